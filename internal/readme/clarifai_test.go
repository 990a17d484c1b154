package readme_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"curate.dev/clarifai/apipb"
	"curate.dev/clarifai/clarifaitest"
	"curate.dev/dataset"
)

// clarifaiEnv starts the in-repo Clarifai test server holding the example
// data as the app me/animals, behind TLS on loopback with a certificate
// the curate binary trusts through SSL_CERT_FILE, so the README's
// clarifai:// commands run as written (TLS, no --insecure). It returns the
// environment that points curate at it.
func clarifaiEnv(t *testing.T, root string) []string {
	raw := make([]byte, 16)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	key := hex.EncodeToString(raw)
	srv := clarifaitest.New(key)
	seed(t, srv.AddApp("me", "animals"), filepath.Join(root, "examples", "animals.jsonl"))
	ctx, cancel := context.WithCancel(context.Background())
	plain, stop := srv.Start(ctx)
	t.Cleanup(func() { cancel(); stop() })

	certPEM, cert := selfSigned(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, certPEM, 0o600))
	lis, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	require.NoError(t, err)
	t.Cleanup(func() { lis.Close() })
	go proxy(lis, plain)
	return []string{"CLARIFAI_PAT=" + key, "CLARIFAI_GRPC_BASE=" + lis.Addr().String(), "SSL_CERT_FILE=" + caFile}
}

// proxy ends TLS and passes the bytes on to the plain-text server.
func proxy(lis net.Listener, to string) {
	for {
		c, err := lis.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", to)
			if err != nil {
				return
			}
			defer up.Close()
			go io.Copy(up, c)
			io.Copy(c, up)
		}()
	}
}

func selfSigned(t *testing.T) ([]byte, tls.Certificate) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "curate test server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kb, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	require.NoError(t, err)
	return certPEM, cert
}

// seed fills app with the inputs and human labels of a dataset file, one
// input-level annotation per input.
func seed(t *testing.T, app *clarifaitest.App, path string) {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := dataset.NewReader(context.Background(), f)
	require.NoError(t, err)
	defer r.Release()
	byInput := map[string]*apipb.Annotation{}
	var order []string
	for r.Next() {
		anns, err := dataset.AppendAnnotations(nil, r.Annotations())
		require.NoError(t, err)
		for _, a := range anns {
			if a.AnnotatorKind == dataset.AnnotatorModel || a.AnnotatorKind == dataset.AnnotatorWorkflow {
				continue
			}
			g := byInput[a.InputID]
			if g == nil {
				require.NoError(t, app.AddInput(&apipb.Input{Id: a.InputID}))
				g = &apipb.Annotation{Id: "il-" + a.InputID, InputId: a.InputID, InputLevel: true, Data: &apipb.Data{},
					Worker: &apipb.Worker{Worker: &apipb.Worker_User{User: &apipb.User{Id: "me"}}}}
				byInput[a.InputID] = g
				order = append(order, a.InputID)
			}
			g.Data.Concepts = append(g.Data.Concepts, &apipb.Concept{Id: a.ConceptID, Name: a.ConceptName, Value: a.Value})
		}
	}
	require.NoError(t, r.Err())
	for _, id := range order {
		require.NoError(t, app.AddAnnotation(byInput[id]))
	}
}
