// Package shardmesh is a small client for a shardmesh router (or any server of the Open
// Inference Protocol, the KServe V2 / Triton gRPC API): Dial with TLS, Infer with typed tensors,
// health and metadata. The generated stubs it wraps are in package inference, for calls this
// package does not cover.
package shardmesh

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/shardmesh/shardmesh/sdk/go/inference"
)

// Client calls one router over one gRPC connection; it is safe for concurrent use.
type Client struct {
	conn           *grpc.ClientConn
	api            inference.GRPCInferenceServiceClient
	health         healthpb.HealthClient
	defaultTimeout time.Duration
}

// Dial connects lazily to address (host:port) with TLS; see Option. Failures to reach the router
// surface on the first call, as Unavailable.
func Dial(address string, opts ...Option) (*Client, error) {
	o := options{defaultTimeout: DefaultTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	config, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	dial := []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(config))}
	if o.token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer(o.token)))
	}
	conn, err := grpc.NewClient(address, dial...)
	if err != nil {
		return nil, invalidArgument("Dial %q: %v", address, err)
	}
	return &Client{
		conn:           conn,
		api:            inference.NewGRPCInferenceServiceClient(conn),
		health:         healthpb.NewHealthClient(conn),
		defaultTimeout: o.defaultTimeout,
	}, nil
}

// Close ends the connection; calls in flight fail with Canceled.
func (c *Client) Close() error { return c.conn.Close() }

// API is the generated V2 client on the same connection, for calls the helpers do not wrap.
func (c *Client) API() inference.GRPCInferenceServiceClient { return c.api }

// ServerLive says whether the router answers at all.
func (c *Client) ServerLive(ctx context.Context) (bool, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	r, err := c.api.ServerLive(ctx, &inference.ServerLiveRequest{})
	return r.GetLive(), fromCall(err)
}

// ServerReady says whether some model has a replica for every partition.
func (c *Client) ServerReady(ctx context.Context) (bool, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	r, err := c.api.ServerReady(ctx, &inference.ServerReadyRequest{})
	return r.GetReady(), fromCall(err)
}

// ModelReady says whether every partition of model has a healthy replica; NotFound for a model
// the router does not know.
func (c *Client) ModelReady(ctx context.Context, model string) (bool, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	r, err := c.api.ModelReady(ctx, &inference.ModelReadyRequest{Name: model})
	return r.GetReady(), fromCall(err)
}

// Serving asks the standard gRPC health service (grpc.health.v1, as Kubernetes and Consul probe
// it) whether service is SERVING; "" means the router process as a whole.
func (c *Client) Serving(ctx context.Context, service string) (bool, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	r, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	return r.GetStatus() == healthpb.HealthCheckResponse_SERVING, fromCall(err)
}

// ModelMetadata returns the model's versions, inputs and outputs (names, datatypes, shapes with
// -1 for a variable dim).
func (c *Client) ModelMetadata(ctx context.Context, model string) (*inference.ModelMetadataResponse, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	r, err := c.api.ModelMetadata(ctx, &inference.ModelMetadataRequest{Name: model})
	return r, fromCall(err)
}

// withDeadline gives a context without a deadline the client's default timeout.
func (c *Client) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, has := ctx.Deadline(); has {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.defaultTimeout)
}

// bearer sends a token on every call; it requires TLS, which Dial always uses.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }
