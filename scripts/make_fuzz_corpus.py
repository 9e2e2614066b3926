#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (Fuzz/Corpus/<reader>/): small valid files of each format, built
with the standard library only, so that libFuzzer starts from inputs that reach deep into each reader.
    python3 scripts/make_fuzz_corpus.py
"""
import io
import json
import os
import struct
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "Corpus")


def put(reader, name, data):
    folder = os.path.join(CORPUS, reader)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def safetensors(entries, metadata=None):
    header, blobs, offset = {}, b"", 0
    for name, dtype, shape, data in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs += data
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blobs


put("safetensors", "two.safetensors", safetensors([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                                                   ("b", "I64", [2], struct.pack("<2q", -1, 7))], {"format": "pt"}))
put("safetensors", "dtypes.safetensors", safetensors([("h", "F16", [1], b"\x00\x3c"), ("bf", "BF16", [1], b"\x80\x3f"),
                                                      ("m", "BOOL", [2], b"\x01\x00"), ("e", "F32", [0, 3], b"")]))


def npy(descr, shape, data, version=1, fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    size = 2 if version == 1 else 4
    pad = -(10 + (size - 2) + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode()
    return b"\x93NUMPY" + bytes([version, 0]) + len(header).to_bytes(size, "little") + header + data


put("npy", "f32.npy", npy("<f4", "(2, 2)", struct.pack("<4f", 1, 2, 3, 4)))
put("npy", "bigendian.npy", npy(">i4", "(3,)", struct.pack(">3i", 1, -2, 3)))
put("npy", "fortran_v2.npy", npy("<f8", "(2, 1)", struct.pack("<2d", 1, 2), version=2, fortran=True))
put("npy", "scalar_bool.npy", npy("|b1", "()", b"\x01"))


def npz(compression):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        z.writestr("a.npy", npy("<f4", "(2,)", struct.pack("<2f", 1, 2)))
        z.writestr("b.npy", npy("<i8", "(1,)", struct.pack("<q", 5)))
    return buf.getvalue()


put("npz", "stored.npz", npz(zipfile.ZIP_STORED))
put("npz", "deflated.npz", npz(zipfile.ZIP_DEFLATED))


def pickle_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def pt():
    """A state dict {'w': float tensor [2, 2], 'n': 3} in torch.save's layout, with a hand-written pickle."""
    p = b"\x80\x02" + b"}" + b"("
    p += pickle_str("w") + b"ctorch._utils\n_rebuild_tensor_v2\n" + b"(" + b"(" + pickle_str("storage")
    p += b"ctorch\nFloatStorage\n" + pickle_str("0") + pickle_str("cpu") + b"J" + struct.pack("<i", 4) + b"tQ"
    p += b"J" + struct.pack("<i", 0) + b"(J" + struct.pack("<i", 2) + b"J" + struct.pack("<i", 2) + b"t"
    p += b"(J" + struct.pack("<i", 2) + b"J" + struct.pack("<i", 1) + b"t" + b"\x89"
    p += b"ccollections\nOrderedDict\n)R" + b"tR"
    p += pickle_str("n") + b"K\x03" + pickle_str("f") + b"G" + struct.pack(">d", 0.5) + b"u."
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", p)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


put("pt", "state_dict.pt", pt())


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def record(payload):
    length = struct.pack("<Q", len(payload))
    return length + struct.pack("<I", masked(length)) + payload + struct.pack("<I", masked(payload))


def field(number, wire, payload):
    key = number << 3 | wire
    out = b""
    while key >= 0x80:
        out += bytes([key & 0x7F | 0x80])
        key >>= 7
    out += bytes([key])
    if wire == 2:
        n = len(payload)
        while n >= 0x80:
            out += bytes([n & 0x7F | 0x80])
            n >>= 7
        out += bytes([n])
    return out + payload


first = field(1, 1, struct.pack("<d", 1.7e9)) + field(3, 2, b"brain.Event:2")
scalar = field(1, 1, struct.pack("<d", 1.7e9)) + field(2, 0, b"\x05") + field(5, 2, field(1, 2, field(1, 2, b"loss") + field(2, 5, struct.pack("<f", 0.5))))
histo = field(5, 2, field(1, 2, field(1, 2, b"w") + field(5, 2, field(2, 1, struct.pack("<d", 3)) + field(6, 2, struct.pack("<2d", 0, 3)) + field(7, 2, struct.pack("<2d", 0, 2)))))
put("events", "events.out.tfevents.seed", record(first) + record(scalar) + record(field(1, 1, struct.pack("<d", 1.7e9)) + histo))

put("idx", "images.idx", b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 2, 2) + bytes(range(8)))
put("idx", "labels.idx", b"\x00\x00\x08\x01" + struct.pack(">I", 3) + bytes([1, 2, 3]))
print("wrote", CORPUS)
