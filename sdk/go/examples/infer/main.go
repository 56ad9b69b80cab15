// Command infer calls the demo model of `npm start`'s mesh once, with mutual TLS, and prints the
// output's name, shape and values. Run it from sdk/go while `npm start` runs in the repository
// root (the default -certs is the folder `npm start` wrote, seen from sdk/go):
//
//	go run ./examples/infer
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/shardmesh/shardmesh/sdk/go/shardmesh"
)

func main() {
	address := flag.String("address", "127.0.0.1:8001", "the router, as `npm start` prints it")
	certs := flag.String("certs", "../../.shardmesh/certs", "the certificates `npm start` wrote")
	flag.Parse()

	client, err := shardmesh.Dial(*address, shardmesh.WithMutualTLS(*certs+"/ca.pem", *certs+"/client.pem", *certs+"/client-key.pem"))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	x := shardmesh.Float32("x", []int64{1, 8}, []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8})
	outputs, err := client.Infer(context.Background(), "mlp", []shardmesh.Tensor{x})
	if err != nil {
		log.Fatal(err)
	}
	y, err := outputs[0].Float32s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(outputs[0].Name, outputs[0].Shape, y)
}
