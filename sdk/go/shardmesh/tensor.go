package shardmesh

import (
	"encoding/binary"
	"math"
)

// Tensor is one named input or output of a model, as the protocol carries it: the datatype's
// protocol name ("FP32", "INT32", "INT64", "BYTES", ...), the shape, and the elements row-major,
// little-endian, densely packed. Build inputs with Float32, Int32 or Int64 and read outputs with
// the matching accessor; other datatypes can be filled in by hand.
type Tensor struct {
	Name     string
	Datatype string
	Shape    []int64
	Data     []byte
}

// Float32 is an FP32 tensor holding values in the given shape.
func Float32(name string, shape []int64, values []float32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, Datatype: "FP32", Shape: shape, Data: data}
}

// Int32 is an INT32 tensor holding values in the given shape.
func Int32(name string, shape []int64, values []int32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(v))
	}
	return Tensor{Name: name, Datatype: "INT32", Shape: shape, Data: data}
}

// Int64 is an INT64 tensor holding values in the given shape.
func Int64(name string, shape []int64, values []int64) Tensor {
	data := make([]byte, 8*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint64(data[8*i:], uint64(v))
	}
	return Tensor{Name: name, Datatype: "INT64", Shape: shape, Data: data}
}

// Float32s returns the elements of an FP32 tensor; an *Error (InvalidArgument) for another
// datatype or a byte size that does not fit the shape.
func (t Tensor) Float32s() ([]float32, error) {
	if err := t.check("FP32"); err != nil {
		return nil, err
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Int32s returns the elements of an INT32 tensor; an *Error (InvalidArgument) otherwise.
func (t Tensor) Int32s() ([]int32, error) {
	if err := t.check("INT32"); err != nil {
		return nil, err
	}
	out := make([]int32, len(t.Data)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Int64s returns the elements of an INT64 tensor; an *Error (InvalidArgument) otherwise.
func (t Tensor) Int64s() ([]int64, error) {
	if err := t.check("INT64"); err != nil {
		return nil, err
	}
	out := make([]int64, len(t.Data)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// Elements is the product of the shape's dims (1 for a scalar), or -1 if a dim is negative.
func (t Tensor) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return -1
		}
		n *= d
	}
	return n
}

func (t Tensor) check(datatype string) error {
	if t.Datatype != datatype {
		return invalidArgument("tensor %q is %s, not %s", t.Name, t.Datatype, datatype)
	}
	return t.validate()
}

// validate checks that a fixed-size tensor's bytes fit its shape; BYTES and datatypes this
// client does not know are left to the server.
func (t Tensor) validate() error {
	size, known := elementBytes[t.Datatype]
	if !known {
		return nil
	}
	n := t.Elements()
	if n < 0 {
		return invalidArgument("tensor %q: shape %v has a negative dim", t.Name, t.Shape)
	}
	if int64(len(t.Data)) != n*size {
		return invalidArgument("tensor %q: shape %v holds %d %s elements (%d bytes), the data has %d bytes",
			t.Name, t.Shape, n, t.Datatype, n*size, len(t.Data))
	}
	return nil
}

// elementBytes is the size of one element of each fixed-size datatype of the protocol.
var elementBytes = map[string]int64{
	"BOOL": 1, "UINT8": 1, "INT8": 1,
	"UINT16": 2, "INT16": 2, "FP16": 2, "BF16": 2,
	"UINT32": 4, "INT32": 4, "FP32": 4,
	"UINT64": 8, "INT64": 8, "FP64": 8,
}
