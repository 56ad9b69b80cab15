package shardmesh

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is the one error type the client returns: every call that fails gives an *Error whose
// Code is the gRPC status the mesh answered with (see the error table in
// proto/inference/grpc_service.proto), or the one the client chose for a request it refused to
// send (InvalidArgument) or for the caller's context (Canceled, DeadlineExceeded).
//
// It implements GRPCStatus, so status.Code(err) works too; errors.As(err, &e) gives the Code.
type Error struct {
	// Code says what went wrong and whether a retry can help (Unavailable, ResourceExhausted).
	Code codes.Code
	// Message is for people; it never carries the mesh's internal detail.
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("shardmesh: %s: %s", e.Code, e.Message) }

// GRPCStatus lets grpc's status.FromError and status.Code read an *Error.
func (e *Error) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// Is matches another *Error with the same Code, so errors.Is(err, &Error{Code: codes.NotFound})
// asks "was it NOT_FOUND?".
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

func invalidArgument(format string, args ...any) *Error {
	return &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf(format, args...)}
}

// fromCall turns what a gRPC call returned into an *Error (nil stays nil).
func fromCall(err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return &Error{Code: s.Code(), Message: s.Message()}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: codes.DeadlineExceeded, Message: err.Error()}
	case errors.Is(err, context.Canceled):
		return &Error{Code: codes.Canceled, Message: err.Error()}
	}
	return &Error{Code: codes.Unknown, Message: err.Error()}
}
