"""A gRPC server on Python grpcio (gRPC core) for the gateway's differential suite.

It serves /diff.Scenario/Unary and /diff.Scenario/Stream with raw bytes: the
request is a JSON scenario (see differential.test.ts), the answer is what it
asks for (initial metadata, messages, status, trailers, details). It prints
"PORT <n>" once it listens on 127.0.0.1, and runs until its stdin closes.
"""
import json
import sys
from concurrent import futures

import grpc

CODES = {c.value[0]: c for c in grpc.StatusCode}


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def status_bin(code, message, blob):
    """A google.rpc.Status with one Any detail holding `blob`, encoded by hand."""
    detail = field(1, b"type.googleapis.com/diff.Blob") + field(2, blob)
    out = b""
    if code:
        out += varint(1 << 3) + varint(code)
    if message:
        out += field(2, message.encode())
    return out + field(3, detail)


def message_bytes(i, size):
    return bytes([(i * 7 + 1) % 256]) * size


def prepare(request, context):
    s = json.loads(request.decode())
    fields = s.get("fields", 1)
    if s.get("headerBytes"):
        context.send_initial_metadata(tuple((f"x-pad-{i}", "h" * s["headerBytes"]) for i in range(fields)))
    trailers = []
    if s.get("trailerBytes"):
        trailers.extend((f"x-trail-{i}", "t" * s["trailerBytes"]) for i in range(fields))
    if s.get("detailsBytes"):
        trailers.append(("grpc-status-details-bin", status_bin(s.get("code", 0), s.get("message", ""), b"d" * s["detailsBytes"])))
    context.set_trailing_metadata(tuple(trailers))
    if s.get("code"):
        context.set_code(CODES[s["code"]])
        context.set_details(s.get("message", ""))
    return s


def unary(request, context):
    s = prepare(request, context)
    if s.get("code"):
        return b""
    return message_bytes(0, s.get("size", 0))


def stream(request, context):
    s = prepare(request, context)
    for i in range(s.get("count", 0)):
        yield message_bytes(i, s.get("size", 0))


def main():
    handler = grpc.method_handlers_generic_handler(
        "diff.Scenario",
        {
            "Unary": grpc.unary_unary_rpc_method_handler(unary),
            "Stream": grpc.unary_stream_rpc_method_handler(stream),
        },
    )
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), handlers=[handler], options=options)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
