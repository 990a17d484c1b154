// Command fakeclarifai serves the in-memory Clarifai test server on a
// loopback port, with one app seeded from a curate dataset file, so that
// curate pull, report and push can be run and measured against an app of
// any size as a user runs them.
//
//	CLARIFAI_PAT=token fakeclarifai --app me/bench --seed synth-1m.jsonl
//	CLARIFAI_PAT=token fakeclarifai --app me/big --seed inputs.jsonl --lose-every 7
//
// It prints "listening on 127.0.0.1:PORT" once the app is seeded and
// serves until interrupted. Only calls carrying the token are answered.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

func main() {
	app := flag.String("app", "me/bench", "the app, `USER_ID/APP_ID`")
	seed := flag.String("seed", "", "seed the app from this dataset `FILE` (JSONL, CSV, …)")
	addr := flag.String("addr", "127.0.0.1:0", "loopback `HOST:PORT` to listen on")
	lose := flag.Int("lose-every", 0, "apply every `N`th PostAnnotations and PatchAnnotations but lose its reply (0: never)")
	flag.Parse()
	if err := run(*app, *seed, *addr, *lose); err != nil {
		fmt.Fprintln(os.Stderr, "fakeclarifai:", err)
		os.Exit(1)
	}
}

func run(appID, seed, addr string, loseEvery int) error {
	key := os.Getenv("CLARIFAI_PAT")
	if key == "" {
		return fmt.Errorf("set CLARIFAI_PAT to the token calls must carry")
	}
	user, name, ok := strings.Cut(appID, "/")
	if !ok || user == "" || name == "" {
		return fmt.Errorf("--app: want USER_ID/APP_ID, got %q", appID)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := clarifaitest.New(key)
	if loseEvery > 0 {
		srv.Fault = func(method string, n int) clarifaitest.Fault {
			if (method == "PostAnnotations" || method == "PatchAnnotations") && n%loseEvery == 0 {
				return clarifaitest.LoseReply
			}
			return clarifaitest.NoFault
		}
	}
	a := srv.AddApp(user, name)
	if seed != "" {
		start := time.Now()
		f, err := os.Open(seed)
		if err != nil {
			return err
		}
		r, err := dataset.NewReader(ctx, f, dataset.WithName(seed))
		if err != nil {
			f.Close()
			return err
		}
		inputs, rows, err := a.Seed(r)
		r.Release()
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "seeded %s/%s with %d inputs, %d annotation rows in %s\n", user, name, inputs, rows, time.Since(start).Round(time.Millisecond))
	}
	at, stopServer, err := srv.Listen(ctx, addr)
	if err != nil {
		return err
	}
	defer stopServer()
	fmt.Printf("listening on %s\n", at)
	<-ctx.Done()
	return nil
}
