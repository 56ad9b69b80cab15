package shardmesh

import (
	"context"
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func dialMutual(t *testing.T, pki *testPKI, address string, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithMutualTLS(pki.file("ca.pem"), pki.file("client.pem"), pki.file("client-key.pem"))}, opts...)
	client, err := Dial(address, all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func TestInferOverMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	address, _ := startFakeRouter(t, pki, tls.RequireAndVerifyClientCert, "")
	client := dialMutual(t, pki, address)
	outputs, err := client.Infer(context.Background(), "double", []Tensor{Float32("x", []int64{2, 2}, []float32{1, -2, 0.5, 3})})
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs) != 1 || outputs[0].Name != "x_doubled" || !slices.Equal(outputs[0].Shape, []int64{2, 2}) {
		t.Fatalf("outputs = %+v", outputs)
	}
	values, err := outputs[0].Float32s()
	if err != nil || !slices.Equal(values, []float32{2, -4, 1, 6}) {
		t.Fatalf("values = %v, %v", values, err)
	}
	if serving, err := client.Serving(context.Background(), ""); err != nil || !serving {
		t.Fatalf("Serving = %v, %v", serving, err)
	}
}

func TestTypedContentsReadLikeRaw(t *testing.T) {
	pki := newTestPKI(t)
	address, _ := startFakeRouter(t, pki, tls.RequireAndVerifyClientCert, "")
	outputs, err := dialMutual(t, pki, address).Infer(context.Background(), "typed", nil)
	if err != nil {
		t.Fatal(err)
	}
	values, err := outputs[0].Int64s()
	if err != nil || !slices.Equal(values, []int64{-5, 1 << 40}) {
		t.Fatalf("values = %v, %v", values, err)
	}
}

func TestServerStatusBecomesError(t *testing.T) {
	pki := newTestPKI(t)
	address, _ := startFakeRouter(t, pki, tls.RequireAndVerifyClientCert, "")
	_, err := dialMutual(t, pki, address).Infer(context.Background(), "nope", nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != codes.NotFound || !strings.Contains(e.Message, "unknown model") {
		t.Fatalf("err = %#v", err)
	}
	if status.Code(err) != codes.NotFound || !errors.Is(err, &Error{Code: codes.NotFound}) {
		t.Fatalf("status.Code(err) = %s", status.Code(err))
	}
}

func TestBadInputRefusedBeforeSending(t *testing.T) {
	pki := newTestPKI(t)
	address, _ := startFakeRouter(t, pki, tls.RequireAndVerifyClientCert, "")
	_, err := dialMutual(t, pki, address).Infer(context.Background(), "double",
		[]Tensor{Float32("x", []int64{2, 3}, []float32{1, 2})})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), `tensor "x"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestContextDeadlineTravelsAndEndsTheCall(t *testing.T) {
	pki := newTestPKI(t)
	address, fake := startFakeRouter(t, pki, tls.RequireAndVerifyClientCert, "")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := dialMutual(t, pki, address).Infer(ctx, "slow", nil)
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err = %v", err)
	}
	if seen := <-fake.deadlines; seen <= 0 || seen > 300*time.Millisecond {
		t.Fatalf("the server saw a deadline %s away", seen)
	}
}

func TestDefaultTimeoutWhenContextHasNone(t *testing.T) {
	pki := newTestPKI(t)
	address, fake := startFakeRouter(t, pki, tls.RequireAndVerifyClientCert, "")
	client := dialMutual(t, pki, address, WithDefaultTimeout(200*time.Millisecond))
	if _, err := client.Infer(context.Background(), "slow", nil); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err = %v", err)
	}
	if seen := <-fake.deadlines; seen <= 0 || seen > 200*time.Millisecond {
		t.Fatalf("the server saw a deadline %s away", seen)
	}
}

func TestBearerTokenWithCAOnly(t *testing.T) {
	pki := newTestPKI(t)
	address, _ := startFakeRouter(t, pki, tls.NoClientCert, "s3cret")
	good, err := Dial(address, WithCA(pki.file("ca.pem")), WithBearerToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if live, err := good.ServerLive(context.Background()); err != nil || !live {
		t.Fatalf("ServerLive = %v, %v", live, err)
	}
	bad, _ := Dial(address, WithCA(pki.file("ca.pem")), WithBearerToken("wrong"))
	defer bad.Close()
	if _, err := bad.ServerLive(context.Background()); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("err = %v", err)
	}
}

func TestDialRefusesContradictoryOrMissingTLS(t *testing.T) {
	pki := newTestPKI(t)
	cases := map[string][]Option{
		"needs WithMutualTLS or WithCA": nil,
		"WithMutualTLS and WithCA both set": {
			WithMutualTLS(pki.file("ca.pem"), pki.file("client.pem"), pki.file("client-key.pem")),
			WithCA(pki.file("ca.pem")),
		},
		"reading the CA":           {WithCA(pki.file("missing.pem"))},
		"holds no PEM certificate": {WithCA(pki.file("client-key.pem"))},
	}
	for want, opts := range cases {
		if _, err := Dial("127.0.0.1:1", opts...); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), want) {
			t.Errorf("Dial(%s): err = %v", want, err)
		}
	}
}
