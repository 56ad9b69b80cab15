package shardmesh

import (
	"encoding/binary"
	"math"

	"github.com/shardmesh/shardmesh/sdk/go/inference"
)

// packContents lays typed contents out as raw bytes (row-major, little-endian), so outputs read
// the same whichever form the server chose. A datatype without a typed field packs to nothing,
// which validate then reports.
func packContents(datatype string, c *inference.InferTensorContents) []byte {
	var out []byte
	switch datatype {
	case "FP32":
		for _, v := range c.GetFp32Contents() {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	case "FP64":
		for _, v := range c.GetFp64Contents() {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
	case "INT8":
		for _, v := range c.GetIntContents() {
			out = append(out, byte(v))
		}
	case "INT16":
		for _, v := range c.GetIntContents() {
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		}
	case "INT32":
		for _, v := range c.GetIntContents() {
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		}
	case "INT64":
		for _, v := range c.GetInt64Contents() {
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	case "UINT8":
		for _, v := range c.GetUintContents() {
			out = append(out, byte(v))
		}
	case "UINT16":
		for _, v := range c.GetUintContents() {
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		}
	case "UINT32":
		for _, v := range c.GetUintContents() {
			out = binary.LittleEndian.AppendUint32(out, v)
		}
	case "UINT64":
		for _, v := range c.GetUint64Contents() {
			out = binary.LittleEndian.AppendUint64(out, v)
		}
	case "BOOL":
		for _, v := range c.GetBoolContents() {
			b := byte(0)
			if v {
				b = 1
			}
			out = append(out, b)
		}
	case "BYTES":
		for _, v := range c.GetBytesContents() {
			out = binary.LittleEndian.AppendUint32(out, uint32(len(v)))
			out = append(out, v...)
		}
	}
	return out
}
