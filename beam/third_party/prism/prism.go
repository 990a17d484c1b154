// Package prism runs a Beam pipeline on Prism, Beam's local runner, in this
// process, with its job server on the loopback interface.
//
// It is Apache Beam's Go SDK runner prism (v2.77.0,
// sdks/go/pkg/beam/runners/prism, Apache License 2.0, see LICENSE) with one
// change: upstream's job server listens on every interface (":0"), without
// authentication, for as long as a job runs; a Prism job server accepts
// pipelines whose environments start Docker containers or processes. Here
// it listens on 127.0.0.1 only, and its endpoint names 127.0.0.1. The
// internal packages are upstream's files unchanged but for their import
// paths, the two loopback addresses (internal/jobservices/server.go,
// internal/worker/worker.go, marked "curate:") and one error built with
// fmt instead of Beam's internal errors package.
package prism

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"

	"curate.dev/beam/third_party/prism/internal"
	"curate.dev/beam/third_party/prism/internal/jobservices"
)

var (
	serverOnce sync.Once
	endpoint   string
	serverErr  error
)

// Execute runs p on an in-process Prism whose job server listens on
// 127.0.0.1 (one server for every pipeline this process runs), in loopback
// mode unless an environment type is set. With --endpoint set, p goes to
// that job server instead, as upstream's prism.Execute does.
func Execute(ctx context.Context, p *beam.Pipeline) (beam.PipelineResult, error) {
	if *jobopts.Endpoint == "" {
		serverOnce.Do(func() { endpoint, _, serverErr = StartJobServer(0) })
		if serverErr != nil {
			return nil, serverErr
		}
		*jobopts.Endpoint = endpoint
		if *jobopts.EnvironmentType == "" {
			*jobopts.EnvironmentType = "loopback"
		}
	}
	return universal.Execute(ctx, p)
}

// StartJobServer starts a Prism job server (the Job API that Flink's and
// Spark's job servers serve too) on 127.0.0.1:port, or a free port for 0,
// and returns its address and a func that stops it.
func StartJobServer(port int) (addr string, stop func(), err error) {
	defer func() {
		// jobservices.NewServer panics when it cannot listen.
		if r := recover(); r != nil {
			err = fmt.Errorf("prism: job server on port %d: %v", port, r)
		}
	}()
	s := jobservices.NewServer(port, internal.RunPipeline)
	go s.Serve()
	return s.Endpoint(), s.Stop, nil
}
