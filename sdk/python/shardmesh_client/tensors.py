"""Numpy arrays to and from the protocol's tensors: datatype names and the raw byte layout
(row-major, little-endian, densely packed; BYTES elements each a 4-byte little-endian length and
the bytes)."""

from __future__ import annotations

import struct

import numpy as np

from .errors import invalid_argument

# The protocol's datatype names and the numpy dtypes (little-endian) they are packed as.
DATATYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype("?"),
    "UINT8": np.dtype("u1"),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "INT8": np.dtype("i1"),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
}


def datatype_of(name: str, array: np.ndarray) -> str:
    """The protocol datatype of an array; bytes, str and object arrays are BYTES."""
    if array.dtype.kind in ("S", "U", "O"):
        return "BYTES"
    for datatype, dtype in DATATYPES.items():
        if array.dtype.kind == dtype.kind and array.dtype.itemsize == dtype.itemsize:
            return datatype
    raise invalid_argument(f'input "{name}": numpy dtype {array.dtype} has no datatype in the protocol')


def encode(name: str, array: np.ndarray) -> tuple[str, list[int], bytes]:
    """An input's datatype, shape and raw contents."""
    datatype = datatype_of(name, array)
    shape = list(array.shape)
    if datatype == "BYTES":
        return datatype, shape, _encode_bytes(array)
    packed = np.ascontiguousarray(array, dtype=DATATYPES[datatype])
    return datatype, shape, packed.tobytes()


def decode(name: str, datatype: str, shape: list[int], raw: bytes) -> np.ndarray:
    """An output's array; BYTES becomes an object array of bytes."""
    if datatype == "BYTES":
        return _decode_bytes(name, shape, raw)
    dtype = DATATYPES.get(datatype)
    if dtype is None:
        raise invalid_argument(f'output "{name}": datatype {datatype} is not supported by this client')
    count = int(np.prod(shape, dtype=np.int64))
    if count * dtype.itemsize != len(raw):
        raise invalid_argument(f'output "{name}": shape {shape} of {datatype} needs {count * dtype.itemsize} bytes, got {len(raw)}')
    # A native-order copy: frombuffer's view of the message is read-only and little-endian.
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _encode_bytes(array: np.ndarray) -> bytes:
    parts = []
    for element in array.reshape(-1):
        data = element.encode() if isinstance(element, str) else bytes(element)
        parts.append(struct.pack("<I", len(data)) + data)
    return b"".join(parts)


def _decode_bytes(name: str, shape: list[int], raw: bytes) -> np.ndarray:
    elements: list[bytes] = []
    offset = 0
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise invalid_argument(f'output "{name}": BYTES contents end inside a length prefix')
        (length,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + length > len(raw):
            raise invalid_argument(f'output "{name}": a BYTES element runs past the contents')
        elements.append(raw[offset : offset + length])
        offset += length
    count = int(np.prod(shape, dtype=np.int64))
    if count != len(elements):
        raise invalid_argument(f'output "{name}": shape {shape} needs {count} BYTES elements, got {len(elements)}')
    out = np.empty(len(elements), dtype=object)
    out[:] = elements
    return out.reshape(shape)
