package shardmesh

import (
	"math"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestTensorRoundTrips(t *testing.T) {
	f := []float32{0, -1.5, float32(math.Inf(1)), math.SmallestNonzeroFloat32}
	if got, err := Float32("f", []int64{4}, f).Float32s(); err != nil || !slices.Equal(got, f) {
		t.Errorf("Float32s = %v, %v", got, err)
	}
	i := []int32{math.MinInt32, -1, 0, math.MaxInt32}
	if got, err := Int32("i", []int64{2, 2}, i).Int32s(); err != nil || !slices.Equal(got, i) {
		t.Errorf("Int32s = %v, %v", got, err)
	}
	l := []int64{math.MinInt64, -1, 0, math.MaxInt64}
	if got, err := Int64("l", []int64{1, 4}, l).Int64s(); err != nil || !slices.Equal(got, l) {
		t.Errorf("Int64s = %v, %v", got, err)
	}
}

func TestTensorLayoutIsLittleEndian(t *testing.T) {
	if got := Int32("i", []int64{1}, []int32{0x01020304}).Data; !slices.Equal(got, []byte{4, 3, 2, 1}) {
		t.Errorf("Data = %v", got)
	}
	if got := Float32("f", []int64{1}, []float32{1}).Data; !slices.Equal(got, []byte{0, 0, 0x80, 0x3f}) {
		t.Errorf("Data = %v", got)
	}
}

func TestTensorAccessorsRefuseMismatches(t *testing.T) {
	if _, err := Int32("i", []int64{1}, []int32{1}).Float32s(); status.Code(err) != codes.InvalidArgument {
		t.Errorf("wrong datatype: err = %v", err)
	}
	if _, err := Float32("f", []int64{3}, []float32{1, 2}).Float32s(); status.Code(err) != codes.InvalidArgument {
		t.Errorf("shape larger than the data: err = %v", err)
	}
	if _, err := Float32("f", []int64{-1}, []float32{1}).Float32s(); status.Code(err) != codes.InvalidArgument {
		t.Errorf("negative dim: err = %v", err)
	}
	scalar := Float32("s", nil, []float32{7})
	if got, err := scalar.Float32s(); err != nil || !slices.Equal(got, []float32{7}) {
		t.Errorf("scalar: %v, %v", got, err)
	}
}
