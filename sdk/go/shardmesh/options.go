package shardmesh

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc/codes"
)

// Option configures Dial. Exactly one of WithMutualTLS and WithCA is required: the mesh only
// speaks TLS.
type Option func(*options) error

type options struct {
	caFile, certFile, keyFile string
	tlsSet                    string // the option that set the TLS files, to name it in a clash
	serverName                string
	token                     string
	defaultTimeout            time.Duration
}

// DefaultTimeout is the deadline Dial gives calls whose context has none.
const DefaultTimeout = 30 * time.Second

// WithMutualTLS authenticates both ways: the router's certificate must chain to caFile, and the
// client presents certFile/keyFile (PEM). `npm start` prints these as .shardmesh/certs/ca.pem,
// client.pem and client-key.pem.
func WithMutualTLS(caFile, certFile, keyFile string) Option {
	return func(o *options) error {
		return o.setTLS("WithMutualTLS", caFile, certFile, keyFile)
	}
}

// WithCA verifies the router against caFile without a client certificate; pair it with
// WithBearerToken.
func WithCA(caFile string) Option {
	return func(o *options) error { return o.setTLS("WithCA", caFile, "", "") }
}

// WithBearerToken sends `authorization: Bearer TOKEN` on every call (e.g. the token `npm start`
// prints, or one from `shardmesh certs token`).
func WithBearerToken(token string) Option {
	return func(o *options) error {
		if token == "" {
			return invalidArgument("WithBearerToken: the token is empty")
		}
		o.token = token
		return nil
	}
}

// WithServerName checks the router's certificate for this name instead of the dialled host.
func WithServerName(name string) Option {
	return func(o *options) error { o.serverName = name; return nil }
}

// WithDefaultTimeout sets the deadline of calls whose context has none (default DefaultTimeout).
func WithDefaultTimeout(timeout time.Duration) Option {
	return func(o *options) error {
		if timeout <= 0 {
			return invalidArgument("WithDefaultTimeout: expected a positive duration, got %s", timeout)
		}
		o.defaultTimeout = timeout
		return nil
	}
}

func (o *options) setTLS(option, caFile, certFile, keyFile string) error {
	if o.tlsSet != "" {
		return invalidArgument("%s and %s both set the TLS files; use one", o.tlsSet, option)
	}
	o.tlsSet, o.caFile, o.certFile, o.keyFile = option, caFile, certFile, keyFile
	return nil
}

// tlsConfig loads the files the options name; an error names the option and the file.
func (o *options) tlsConfig() (*tls.Config, error) {
	if o.tlsSet == "" {
		return nil, invalidArgument("Dial needs WithMutualTLS or WithCA: the mesh only speaks TLS")
	}
	pem, err := os.ReadFile(o.caFile)
	if err != nil {
		return nil, &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf("%s: reading the CA: %v", o.tlsSet, err)}
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, invalidArgument("%s: %s holds no PEM certificate", o.tlsSet, o.caFile)
	}
	config := &tls.Config{RootCAs: roots, ServerName: o.serverName, MinVersion: tls.VersionTLS12}
	if o.certFile != "" {
		pair, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
		if err != nil {
			return nil, invalidArgument("%s: loading the client certificate: %v", o.tlsSet, err)
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}
