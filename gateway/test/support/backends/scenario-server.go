// A gRPC server on grpc-go for the gateway's differential suite.
//
// It serves /diff.Scenario/Unary and /diff.Scenario/Stream with raw bytes: the
// request is a JSON scenario (see differential.test.ts), the answer is what it
// asks for (initial metadata, messages, status, trailers, details). It prints
// "PORT <n>" once it listens on 127.0.0.1, and runs until its stdin closes.
// Built offline in GOPATH mode against Debian's golang-google-grpc-dev.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net"
	"os"
	"strings"

	"github.com/golang/protobuf/ptypes/any"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type scenario struct {
	HeaderBytes  int    `json:"headerBytes"`
	Count        int    `json:"count"`
	Size         int    `json:"size"`
	Code         int    `json:"code"`
	Message      string `json:"message"`
	DetailsBytes int    `json:"detailsBytes"`
	TrailerBytes int    `json:"trailerBytes"`
	Fields       int    `json:"fields"`
}

// pad is `fields` (at least 1) headers prefix-0, prefix-1, ... of `size` copies of `fill`.
func pad(prefix string, fill string, size int, fields int) metadata.MD {
	if fields < 1 {
		fields = 1
	}
	md := metadata.MD{}
	for i := 0; i < fields; i++ {
		md.Set(fmt.Sprintf("%s-%d", prefix, i), strings.Repeat(fill, size))
	}
	return md
}

// raw passes messages through as bytes.
type raw struct{}

func (raw) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (raw) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (raw) String() string { return "raw" }

func handle(_ interface{}, stream grpc.ServerStream) error {
	var req []byte
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	var s scenario
	if err := json.Unmarshal(req, &s); err != nil {
		return err
	}
	method, _ := grpc.MethodFromServerStream(stream)
	if s.HeaderBytes > 0 {
		if err := stream.SendHeader(pad("x-pad", "h", s.HeaderBytes, s.Fields)); err != nil {
			return err
		}
	}
	count := s.Count
	if method == "/diff.Scenario/Unary" {
		count = 1
		if s.Code != 0 {
			count = 0
		}
	}
	for i := 0; i < count; i++ {
		b := bytes.Repeat([]byte{byte((i*7 + 1) % 256)}, s.Size)
		if err := stream.SendMsg(&b); err != nil {
			return err
		}
	}
	if s.TrailerBytes > 0 {
		stream.SetTrailer(pad("x-trail", "t", s.TrailerBytes, s.Fields))
	}
	if s.Code != 0 {
		p := &spb.Status{Code: int32(s.Code), Message: s.Message}
		if s.DetailsBytes > 0 {
			p.Details = []*any.Any{{TypeUrl: "type.googleapis.com/diff.Blob", Value: bytes.Repeat([]byte{'d'}, s.DetailsBytes)}}
		}
		return status.ErrorProto(p)
	}
	return nil
}

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.CustomCodec(raw{}), grpc.UnknownServiceHandler(handle), grpc.MaxSendMsgSize(64<<20), grpc.MaxRecvMsgSize(64<<20))
	fmt.Printf("PORT %d\n", lis.Addr().(*net.TCPAddr).Port)
	go func() {
		ioutil.ReadAll(os.Stdin)
		server.Stop()
		os.Exit(0)
	}()
	server.Serve(lis)
}
