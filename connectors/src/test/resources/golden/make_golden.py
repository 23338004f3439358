"""Writes numpy-reference.safetensors with numpy as the independent reference.

Run from this directory: python3 make_golden.py. The F16 tensor's bits come from numpy's
float32 -> float16 cast (round to nearest, ties to even), the layout from the safetensors spec:
u64 little-endian header length, compact JSON header padded with spaces to 8 bytes, data.
"""
import json
import struct

import numpy as np

values = np.array([0.0, -0.0, 1.0, 1.0009765625 / 2 + 0.5, 65504.0, 65519.0, 1e-8, 3.0e-5,
                   -2.5, 0.1, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11], dtype=np.float32)
tensors = [
    ("f16", "F16", [3, 4], values.astype(np.float16).tobytes()),
    ("f32", "F32", [12], values.tobytes()),
    ("i64", "I64", [2], np.array([-1, 2 ** 40], dtype="<i8").tobytes()),
    ("scalar", "F32", [], np.array(7.5, dtype="<f4").tobytes()),
    ("empty", "F32", [0, 3], b""),
]
header = {"__metadata__": {"format": "pt"}}
offset = 0
for name, dtype, shape, data in tensors:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
    offset += len(data)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open("numpy-reference.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for _, _, _, data in tensors:
        f.write(data)
with open("numpy-reference.values.txt", "w") as f:
    f.write(" ".join(repr(float(v)) for v in values) + "\n")
