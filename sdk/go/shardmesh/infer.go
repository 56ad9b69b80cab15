package shardmesh

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"

	"github.com/shardmesh/shardmesh/sdk/go/inference"
)

// InferOption adjusts one Infer request.
type InferOption func(*inference.ModelInferRequest)

// Outputs asks for these outputs only, in this order (default: all of the model's outputs, in
// the model's order).
func Outputs(names ...string) InferOption {
	return func(r *inference.ModelInferRequest) {
		for _, name := range names {
			r.Outputs = append(r.Outputs, &inference.ModelInferRequest_InferRequestedOutputTensor{Name: name})
		}
	}
}

// ModelVersion pins a version of the model (default: the router's choice, the newest).
func ModelVersion(version string) InferOption {
	return func(r *inference.ModelInferRequest) { r.ModelVersion = version }
}

// RequestID tags the request; the router logs it and echoes it in the response.
func RequestID(id string) InferOption {
	return func(r *inference.ModelInferRequest) { r.Id = id }
}

// Infer runs model on inputs and returns its outputs. The context's deadline travels to the
// router (Dial's default timeout when it has none); cancelling it cancels the call. Inputs whose
// bytes do not fit their shape are refused before anything is sent (InvalidArgument); failures
// of the call are *Error with the router's status.
func (c *Client) Infer(ctx context.Context, model string, inputs []Tensor, opts ...InferOption) ([]Tensor, error) {
	request := &inference.ModelInferRequest{ModelName: model}
	for _, input := range inputs {
		if err := input.validate(); err != nil {
			return nil, err
		}
		request.Inputs = append(request.Inputs, &inference.ModelInferRequest_InferInputTensor{
			Name: input.Name, Datatype: input.Datatype, Shape: input.Shape,
		})
		request.RawInputContents = append(request.RawInputContents, input.Data)
	}
	for _, opt := range opts {
		opt(request)
	}
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	response, err := c.api.ModelInfer(ctx, request)
	if err != nil {
		return nil, fromCall(err)
	}
	return outputTensors(response)
}

// outputTensors pairs each output with its bytes: raw_output_contents[i] belongs to outputs[i]
// (Triton's form, which the mesh answers in); typed contents are packed into the same layout, for
// servers that answer that way.
func outputTensors(response *inference.ModelInferResponse) ([]Tensor, error) {
	raw := response.GetRawOutputContents()
	outputs := response.GetOutputs()
	if len(raw) != 0 && len(raw) != len(outputs) {
		return nil, &Error{Code: codes.Internal, Message: "the response has a different number of raw contents than outputs"}
	}
	tensors := make([]Tensor, len(outputs))
	for i, o := range outputs {
		t := Tensor{Name: o.GetName(), Datatype: o.GetDatatype(), Shape: o.GetShape()}
		if len(raw) != 0 {
			t.Data = raw[i]
		} else {
			t.Data = packContents(o.GetDatatype(), o.GetContents())
		}
		if err := t.validate(); err != nil {
			var e *Error
			errors.As(err, &e)
			return nil, &Error{Code: codes.Internal, Message: "the response's " + e.Message}
		}
		tensors[i] = t
	}
	return tensors, nil
}
