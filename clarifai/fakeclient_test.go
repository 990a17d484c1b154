package clarifai_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"curate.dev/clarifai"
	"curate.dev/clarifai/apipb"
	"curate.dev/dataset"
)

// fakeV2 is a V2Client of function fields; unset methods panic.
// ListAnnotations lists what list holds (nothing by default).
type fakeV2 struct {
	apipb.V2Client
	post func(*apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error)
	list []*apipb.Annotation
}

func (f *fakeV2) ListAnnotations(ctx context.Context, in *apipb.ListAnnotationsRequest, _ ...grpc.CallOption) (*apipb.MultiAnnotationResponse, error) {
	resp := &apipb.MultiAnnotationResponse{Status: &apipb.Status{Code: apipb.StatusCode_SUCCESS}}
	if in.Page == 1 {
		resp.Annotations = f.list
	}
	return resp, nil
}

var _ apipb.V2Client = (*fakeV2)(nil)

func (f *fakeV2) ListConcepts(ctx context.Context, in *apipb.ListConceptsRequest, _ ...grpc.CallOption) (*apipb.MultiConceptResponse, error) {
	return &apipb.MultiConceptResponse{Status: &apipb.Status{Code: apipb.StatusCode_SUCCESS}}, nil
}

func (f *fakeV2) PostAnnotations(ctx context.Context, in *apipb.PostAnnotationsRequest, _ ...grpc.CallOption) (*apipb.MultiAnnotationResponse, error) {
	return f.post(in)
}

func TestPushReplyItems(t *testing.T) {
	anns := []dataset.Annotation{
		{InputID: "a", ConceptID: "cat", Value: 1},
		{InputID: "b", ConceptID: "cat", Value: 0},
		{InputID: "c", ConceptID: "cat", Value: 1},
	}
	tests := []struct {
		name       string
		post       func(*apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error)
		wantPosted int
		wantFailed []string // input ids
		wantCode   apipb.StatusCode
		wantPosts  int
	}{
		{
			name: "items matched by id, not position",
			post: func(r *apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
				out := &apipb.MultiAnnotationResponse{Status: &apipb.Status{Code: apipb.StatusCode_MIXED_STATUS}}
				for _, a := range slices.Backward(r.Annotations) {
					code := apipb.StatusCode_ANNOTATION_SUCCESS
					if a.InputId == "b" {
						code = apipb.StatusCode_ANNOTATION_PERMISSION_DENIED
					}
					out.Annotations = append(out.Annotations, &apipb.Annotation{Id: a.Id, InputId: a.InputId, Status: &apipb.Status{Code: code, Description: "x"}})
				}
				return out, nil
			},
			wantPosted: 2, wantFailed: []string{"b"}, wantCode: apipb.StatusCode_ANNOTATION_PERMISSION_DENIED, wantPosts: 1,
		},
		{
			name: "FAILURE naming no item",
			post: func(r *apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
				return &apipb.MultiAnnotationResponse{Status: &apipb.Status{Code: apipb.StatusCode_FAILURE, Description: "bad"}}, nil
			},
			wantFailed: []string{"a", "b", "c"}, wantCode: apipb.StatusCode_FAILURE, wantPosts: 1,
		},
		{
			name: "a negative goes out as an explicit 0 and a positive as 1",
			post: func(r *apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
				for _, a := range r.Annotations {
					want := float32(1)
					if a.InputId == "b" {
						want = 0
					}
					if len(a.Data.Concepts) != 1 || a.Data.Concepts[0].Value != want || a.Id != clarifai.AnnotationID(a.InputId, "cat", want) {
						return nil, errors.New("wrong annotation")
					}
				}
				out := &apipb.MultiAnnotationResponse{Status: &apipb.Status{Code: apipb.StatusCode_SUCCESS}}
				for _, a := range r.Annotations {
					out.Annotations = append(out.Annotations, &apipb.Annotation{Id: a.Id, InputId: a.InputId, Status: &apipb.Status{Code: apipb.StatusCode_ANNOTATION_SUCCESS}})
				}
				return out, nil
			},
			wantPosted: 3, wantPosts: 1,
		},
		{
			// A SUCCESS that names no item confirms nothing: the listing
			// finds nothing, so each try is resent, then reported failed.
			name: "SUCCESS naming no item",
			post: func(r *apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
				return &apipb.MultiAnnotationResponse{Status: &apipb.Status{Code: apipb.StatusCode_SUCCESS}}, nil
			},
			wantFailed: []string{"a", "b", "c"}, wantCode: apipb.StatusCode_FAILURE, wantPosts: 10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			posts := 0
			c := clarifai.NewClient(&fakeV2{post: func(r *apipb.PostAnnotationsRequest) (*apipb.MultiAnnotationResponse, error) {
				posts++
				return tt.post(r)
			}}, testApp, fast...)
			sum, err := c.Push(context.Background(), anns, clarifai.PushOptions{})
			assert.Equal(t, tt.wantPosted, sum.Posted)
			assert.Equal(t, tt.wantPosts, posts)
			var failed []string
			for _, f := range sum.Failed {
				failed = append(failed, f.InputID)
				assert.Equal(t, tt.wantCode, f.Code)
			}
			assert.Equal(t, tt.wantFailed, failed)
			if len(tt.wantFailed) > 0 {
				require.ErrorIs(t, err, clarifai.ErrNotWritten)
			} else {
				require.NoError(t, err)
			}
		})
	}
}
