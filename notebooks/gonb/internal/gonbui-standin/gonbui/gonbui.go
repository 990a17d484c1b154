// Package gonbui is a stand-in for github.com/janpfeifer/gonb/gonbui with
// the same function signatures. Instead of talking to a GoNB kernel it
// writes every display into the program's stdout, when $GONBUI_STANDIN is
// set, as one framed record: the byte 0x1e, "gonbui ", a JSON object
// {"mime":"text/html","data":"…"} and a newline. Displays and printed text
// thus keep the order the program produced them in, as under GoNB.
package gonbui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"sync"
	"sync/atomic"
)

// IsNotebook is true when $GONBUI_STANDIN is set, as it is under the test.
var IsNotebook = os.Getenv("GONBUI_STANDIN") != ""

var (
	mu      sync.Mutex
	lastErr error
	nextID  atomic.Int64
)

func record(mime, data, id string) {
	if !IsNotebook {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	line, _ := json.Marshal(map[string]string{"mime": mime, "data": data, "id": id})
	if _, err := os.Stdout.Write(append(append([]byte("\x1egonbui "), line...), '\n')); err != nil && lastErr == nil {
		lastErr = err
	}
}

// Error returns the first error writing a display, if any.
func Error() error { return lastErr }

// Sync does nothing: displays are written synchronously.
func Sync() {}

// UniqueId returns a new id for UpdateHTML.
func UniqueId() string { return fmt.Sprintf("gonb_id_%d", nextID.Add(1)) }

// UniqueID is an alias of UniqueId.
func UniqueID() string { return UniqueId() }

// DisplayHTML displays HTML.
func DisplayHTML(html string) { record("text/html", html, "") }

// DisplayHtml is an alias of DisplayHTML.
func DisplayHtml(html string) { DisplayHTML(html) }

// DisplayHTMLF displays fmt.Sprintf(format, args...) as HTML.
func DisplayHTMLF(format string, args ...any) { DisplayHTML(fmt.Sprintf(format, args...)) }

// DisplayHtmlf is an alias of DisplayHTMLF.
func DisplayHtmlf(format string, args ...any) { DisplayHTMLF(format, args...) }

// DisplayMarkdown displays Markdown.
func DisplayMarkdown(markdown string) { record("text/markdown", markdown, "") }

// UpdateHTML displays HTML in the output block id.
func UpdateHTML(id, html string) { record("text/html", html, id) }

// UpdateHtml is an alias of UpdateHTML.
func UpdateHtml(id, html string) { UpdateHTML(id, html) }

// UpdateMarkdown displays Markdown in the output block id.
func UpdateMarkdown(id, markdown string) { record("text/markdown", markdown, id) }

// DisplayPng displays a PNG image.
func DisplayPng(png []byte) { record("image/png", base64.StdEncoding.EncodeToString(png), "") }

// DisplayPNG is an alias of DisplayPng.
func DisplayPNG(png []byte) { DisplayPng(png) }

// DisplayImage displays an image as PNG.
func DisplayImage(img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	DisplayPng(buf.Bytes())
	return nil
}

// DisplaySvg displays SVG, wrapped in a div as GoNB does.
func DisplaySvg(svg string) { DisplayHTML("<div>" + svg + "</div>") }

// DisplaySVG is an alias of DisplaySvg.
func DisplaySVG(svg string) { DisplaySvg(svg) }
