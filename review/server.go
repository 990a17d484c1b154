package review

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

var pageTmpl = template.Must(template.ParseFS(assets, "assets/index.html"))

// maxOrigins caps the media origins named in the page's Content Security
// Policy; past it the policy allows images and media from any http(s) URL.
const maxOrigins = 64

// maxPage caps the cards one request returns.
const maxPage = 500

// NewToken returns a random token for [Handler]: 128 bits, hex.
func NewToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// Handler serves the review page of sess and its API. Every request must
// carry token, as the "token" query parameter (the printed URL has it) or
// the X-Curate-Token header (the page's own requests); state-changing
// requests must be POSTs of JSON from the page's own origin. Responses
// carry a Content Security Policy that lets the page load only its own
// assets and the inputs' media.
func Handler(sess *Session, token string) http.Handler {
	h := &handler{sess: sess, token: token}
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.HandleFunc("GET /{$}", h.index)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/cards", h.cards)
	mux.HandleFunc("GET /api/balance", h.balance)
	mux.HandleFunc("POST /api/decide", h.decide)
	mux.HandleFunc("POST /api/undo", h.undoStep)
	h.mux = mux
	h.csp = csp(sess.origins)
	return h
}

type handler struct {
	sess  *Session
	token string
	mux   *http.ServeMux
	csp   string
}

func csp(origins []string) string {
	media := "'self'"
	if len(origins) > maxOrigins {
		media += " http: https:"
	} else if len(origins) > 0 {
		media += " " + strings.Join(origins, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
		"img-src " + media + "; media-src " + media + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer") // the token is in the URL
	hd.Set("Cache-Control", "no-store")
	tok := r.Header.Get("X-Curate-Token")
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(h.token)) != 1 {
		http.Error(w, "forbidden: open the URL curate review printed (it carries the token)", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err := sameOrigin(r); err != nil {
			http.Error(w, "forbidden: "+err.Error(), http.StatusForbidden)
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// sameOrigin checks a state-changing request: a browser sends Origin (or
// at least Sec-Fetch-Site) and it must be this server; JSON only, which a
// cross-site form cannot send.
func sameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("origin %q is not this server", o)
		}
	} else if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return fmt.Errorf("cross-site request (%s)", s)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("want Content-Type application/json, got %q", ct)
	}
	return nil
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		Token, File, Decisions string
		Total, Missing         int
		Concepts               []conceptOption
		Sources                []conceptOption
	}{h.token, h.sess.path, h.sess.DecisionsPath(), h.sess.Len(), h.sess.Missing(), h.sess.targets(), h.sess.sources()}
	if err := pageTmpl.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

type conceptOption struct{ ID, Name string }

// targets lists the concepts with suggestions; sources the concepts they
// were drawn from.
func (s *Session) targets() []conceptOption { return s.conceptsOf(s.sugg.concept) }
func (s *Session) sources() []conceptOption { return s.conceptsOf(s.sugg.source) }

func (s *Session) conceptsOf(col []int32) []conceptOption {
	seen := make([]bool, len(s.sugg.concepts))
	for _, c := range col {
		if c >= 0 {
			seen[c] = true
		}
	}
	var out []conceptOption
	for c, ok := range seen {
		if ok {
			id := s.sugg.concepts[c]
			out = append(out, conceptOption{id, s.name(id)})
		}
	}
	sortOptions(out)
	return out
}

func sortOptions(o []conceptOption) {
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && o[j].ID < o[j-1].ID; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
}

// filterFrom reads a Filter from query parameters (concept, source, min,
// max, decision, sort).
func filterFrom(q url.Values) (Filter, error) {
	f := Filter{Concept: q.Get("concept"), Source: q.Get("source"), Decision: q.Get("decision"), Sort: q.Get("sort"), MinScore: math.NaN(), MaxScore: math.NaN()}
	for name, dst := range map[string]*float64{"min": &f.MinScore, "max": &f.MaxScore} {
		if v := q.Get(name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) {
				return f, fmt.Errorf("%s: want a number, got %q", name, v)
			}
			*dst = x
		}
	}
	return f, nil
}

func (h *handler) cards(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := filterFrom(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	offset, limit := 0, 60
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			http.Error(w, "offset: want a number from 0", http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxPage {
			http.Error(w, fmt.Sprintf("limit: want 1 to %d", maxPage), http.StatusBadRequest)
			return
		}
	}
	p, err := h.sess.Page(f, offset, limit)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, p)
}

func (h *handler) balance(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, h.sess.Balance())
}

// decideRequest is the body of POST /api/decide: a decision for the
// listed suggestions, or for every suggestion a filter chooses.
type decideRequest struct {
	Decision Decision   `json:"decision"`
	Items    []int      `json:"items"`
	Filter   url.Values `json:"filter"`
}

func (h *handler) decide(w http.ResponseWriter, r *http.Request) {
	var req decideRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var n int
	var err error
	if req.Filter != nil {
		var f Filter
		if f, err = filterFrom(req.Filter); err == nil {
			n, err = h.sess.DecideFilter(f, req.Decision)
		}
	} else {
		n, err = h.sess.DecideIndices(req.Items, req.Decision)
	}
	if err != nil {
		status := http.StatusBadRequest
		var pe *fs.PathError
		if errors.As(err, &pe) {
			status = http.StatusInternalServerError
		}
		http.Error(w, err.Error(), status)
		return
	}
	writeJSON(w, map[string]any{"changed": n})
}

func (h *handler) undoStep(w http.ResponseWriter, r *http.Request) {
	keys, err := h.sess.Undo()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idx := make([]int, 0, len(keys))
	for _, k := range keys {
		idx = append(idx, int(h.sess.sugg.keyIdx[k]))
	}
	writeJSON(w, map[string]any{"changed": len(keys), "items": idx})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ServerOptions tune [Start].
type ServerOptions struct {
	// Addr is the address to listen on; "" means 127.0.0.1:0 (a free
	// port on loopback).
	Addr string
	// AllowRemote must be set to listen on an address other than
	// loopback: anyone who can reach it and learns the URL can decide.
	AllowRemote bool
	// Token is the token the URL carries; "" means [NewToken].
	Token string
}

// ErrRemote is returned by [Start] for a non-loopback address without
// AllowRemote.
var ErrRemote = errors.New("review: refusing to listen beyond loopback without AllowRemote")

// Server is a running review page.
type Server struct {
	srv *http.Server
	url string
	ln  net.Listener
}

// Start serves sess on opts.Addr until [Server.Close]. The session stays
// the caller's to close after the server.
func Start(ctx context.Context, sess *Session, opts *ServerOptions) (*Server, error) {
	var o ServerOptions
	if opts != nil {
		o = *opts
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if !o.AllowRemote && !IsLoopback(o.Addr) {
		return nil, fmt.Errorf("%w: %s", ErrRemote, o.Addr)
	}
	if o.Token == "" {
		o.Token = NewToken()
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	host := ln.Addr().String()
	if h, port, err := net.SplitHostPort(host); err == nil && (h == "::" || h == "0.0.0.0") {
		host = net.JoinHostPort("localhost", port)
	}
	s := &Server{
		srv: &http.Server{Handler: Handler(sess, o.Token), ReadHeaderTimeout: 10 * time.Second},
		url: "http://" + host + "/?token=" + o.Token,
		ln:  ln,
	}
	go s.srv.Serve(ln)
	return s, nil
}

// URL returns the page's address, token included.
func (s *Server) URL() string { return s.url }

// Close stops the server at once.
func (s *Server) Close() error { return s.srv.Close() }

// Shutdown stops the server after the requests in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// IsLoopback reports whether addr (host:port) names only the loopback
// interface: localhost, 127.0.0.0/8 or ::1. An empty host (all
// interfaces) is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
