package apipb

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// V2_PostConceptRelations_FullMethodName is Clarifai's method name.
const V2_PostConceptRelations_FullMethodName = "/clarifai.api.V2/PostConceptRelations"

// ConceptRelationPoster is implemented by V2 clients and servers that
// support PostConceptRelations, which api.proto's subset of the V2
// service leaves out.
type ConceptRelationPoster interface {
	PostConceptRelations(ctx context.Context, in *PostConceptRelationsRequest) (*MultiConceptRelationResponse, error)
}

func init() {
	// Servers registered with V2_ServiceDesc route the method to a
	// ConceptRelationPoster; others answer Unimplemented.
	V2_ServiceDesc.Methods = append(V2_ServiceDesc.Methods, grpc.MethodDesc{
		MethodName: "PostConceptRelations",
		Handler:    _V2_PostConceptRelations_Handler,
	})
}

func _V2_PostConceptRelations_Handler(srv interface{}, ctx context.Context, dec func(interface{}) error, interceptor grpc.UnaryServerInterceptor) (interface{}, error) {
	in := new(PostConceptRelationsRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	p, ok := srv.(ConceptRelationPoster)
	if !ok {
		return nil, status.Error(codes.Unimplemented, "method PostConceptRelations not implemented")
	}
	if interceptor == nil {
		return p.PostConceptRelations(ctx, in)
	}
	info := &grpc.UnaryServerInfo{Server: srv, FullMethod: V2_PostConceptRelations_FullMethodName}
	handler := func(ctx context.Context, req interface{}) (interface{}, error) {
		return p.PostConceptRelations(ctx, req.(*PostConceptRelationsRequest))
	}
	return interceptor(ctx, in, info, handler)
}

// PostConceptRelations calls the method through api: directly when api
// is a ConceptRelationPoster (a fake), else over the connection of a
// client from NewV2Client.
func PostConceptRelations(ctx context.Context, api V2Client, in *PostConceptRelationsRequest, opts ...grpc.CallOption) (*MultiConceptRelationResponse, error) {
	switch c := api.(type) {
	case ConceptRelationPoster:
		return c.PostConceptRelations(ctx, in)
	case *v2Client:
		out := new(MultiConceptRelationResponse)
		if err := c.cc.Invoke(ctx, V2_PostConceptRelations_FullMethodName, in, out, append([]grpc.CallOption{grpc.StaticMethod()}, opts...)...); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, status.Error(codes.Unimplemented, "clarifai: this client cannot post concept relations")
}
