import unittest

import grpc
import numpy as np

from shardmesh_client import ShardmeshError
from shardmesh_client.tensors import decode, encode


class TensorsTest(unittest.TestCase):
    def test_numeric_round_trip_for_every_datatype(self):
        for dtype in ["?", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8"]:
            array = (np.arange(6) - 2).astype(dtype).reshape(2, 3)
            datatype, shape, raw = encode("t", array)
            self.assertEqual(shape, [2, 3])
            back = decode("t", datatype, shape, raw)
            np.testing.assert_array_equal(back, array, err_msg=dtype)
            self.assertEqual(back.dtype, array.dtype)

    def test_raw_layout_is_little_endian_row_major(self):
        datatype, _, raw = encode("t", np.array([[0x01020304, 5]], dtype=">i4"))
        self.assertEqual(datatype, "INT32")
        self.assertEqual(raw, bytes([4, 3, 2, 1, 5, 0, 0, 0]))
        _, _, raw = encode("t", np.arange(4, dtype=np.uint8).reshape(2, 2).T)
        self.assertEqual(raw, bytes([0, 2, 1, 3]))

    def test_bytes_elements_are_length_prefixed(self):
        datatype, shape, raw = encode("s", np.array([b"ab", "\u00e9", b""], dtype=object))
        self.assertEqual((datatype, shape), ("BYTES", [3]))
        self.assertEqual(raw, b"\x02\x00\x00\x00ab\x02\x00\x00\x00\xc3\xa9\x00\x00\x00\x00")
        self.assertEqual(decode("s", "BYTES", [3], raw).tolist(), [b"ab", "\u00e9".encode(), b""])

    def test_mismatched_outputs_raise_invalid_argument(self):
        for datatype, shape, raw in [("FP32", [2], b"\x00" * 4), ("BYTES", [1], b"\x05\x00\x00\x00ab"), ("BF16", [1], b"\x00\x00")]:
            with self.assertRaises(ShardmeshError) as caught:
                decode("y", datatype, shape, raw)
            self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn('output "y"', caught.exception.message)

    def test_unsupported_dtype_names_the_input(self):
        with self.assertRaises(ShardmeshError) as caught:
            encode("z", np.array([1 + 2j]))
        self.assertIn('input "z"', str(caught.exception))


if __name__ == "__main__":
    unittest.main()
