// The Go peer of the gateway benchmark: grpc-gateway v1 (Debian's
// golang-github-grpc-ecosystem-grpc-gateway-dev) in front of the benchmark
// backend, with the code protoc-gen-grpc-gateway generates from the
// catalog contract and its default JSON marshaler. peers.ts builds it
// offline in GOPATH mode.
//
// Usage: grpc-gateway-bench LISTEN_ADDR BACKEND_ADDR; prints "ready ADDR".
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/grpc-ecosystem/grpc-gateway/runtime"
	"google.golang.org/grpc"
	catalogv1 "shopbench/catalogv1"
)

func main() {
	listen, backend := os.Args[1], os.Args[2]
	mux := runtime.NewServeMux()
	if err := catalogv1.RegisterCatalogServiceHandlerFromEndpoint(context.Background(), mux, backend, []grpc.DialOption{grpc.WithInsecure()}); err != nil {
		panic(err)
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		panic(err)
	}
	fmt.Println("ready", lis.Addr().String())
	if err := http.Serve(lis, mux); err != nil {
		panic(err)
	}
}
