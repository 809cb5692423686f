"""A small real .tflite for the Java core's signature-key reader (litert.TfliteSignatureKeys).

The app's CompiledModel backend needs a file's signature keys (seq_8 ... seq_512), and
LiteRT's Kotlin CompiledModel has no call that lists them (the Python CompiledModel does:
get_signature_list). Core reads them from the flatbuffer itself. This tool takes a real
exported .tflite and keeps its Model table's header, operator codes and signature defs as
exported, dropping the subgraphs, buffers and metadata (megabytes of tensors and weights the
reader never touches) so it is small enough to commit; it writes beside it the keys LiteRT's own
Python Interpreter lists for the original file: the oracle the JVM test compares against.

Usage: python android_app/tools/make_tflite_keys_fixture.py TFLITE
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "fixtures" / "android" / "tflite_signature_keys"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tflite", type=Path)
    args = parser.parse_args(argv)
    if not args.tflite.is_file():
        print(f"error: {args.tflite} does not exist: pass an exported .tflite", file=sys.stderr)
        return 2
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter

    keys = list(Interpreter(model_path=str(args.tflite)).get_signature_list())
    model = schema.ModelT.InitFromPackedBuf(bytearray(args.tflite.read_bytes()), 0)
    model.subgraphs, model.buffers, model.metadata, model.metadataBuffer = [], [], [], []
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    tmp = OUT.with_suffix(".tflite.tmp")
    tmp.write_bytes(bytes(builder.Output()))
    tmp.replace(OUT.with_suffix(".tflite"))
    meta = {"source": args.tflite.name, "signature_keys": keys}
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(OUT.with_suffix(".json"))
    print(f"wrote {OUT.with_suffix('.tflite')} ({len(keys)} signatures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
