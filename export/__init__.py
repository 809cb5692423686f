"""squeezebert-mobile export pipeline: fine-tune, export (ONNX, ExecuTorch) and verify."""
