"""Do the artifacts give the same outputs on another core? (tools/aarch64-check)

`outputs` records every artifact's logits on the real bench inputs (`python -m
runtime_bench.parity.outputs`, run on the host and under emulation); `crosscheck` compares two
recordings against the fp32 and int8 bounds. It may import export/, the top-level plumbing and
runtime_bench.measure (runners, inputs); it times nothing.
"""
