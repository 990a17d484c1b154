package clarifai

// The generated code in apipb is committed; CI does not regenerate it.
// Remaking it needs protoc (Debian's protobuf-compiler), protoc-gen-go
// v1.36.12 and protoc-gen-go-grpc v1.6.2 on PATH.
//go:generate protoc -I proto --go_out=apipb --go_opt=module=curate.dev/clarifai/apipb --go-grpc_out=apipb --go-grpc_opt=module=curate.dev/clarifai/apipb clarifai/api/status/status.proto clarifai/api/api.proto
