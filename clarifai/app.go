package clarifai

import (
	"fmt"
	"net/url"
	"strings"
)

// Scheme is the URL scheme of an app address.
const Scheme = "clarifai://"

// App names a Clarifai app.
type App struct {
	UserID string
	AppID  string
}

// String returns the app's address, clarifai://USER_ID/APP_ID.
func (a App) String() string { return Scheme + a.UserID + "/" + a.AppID }

// IsAppURL reports whether s looks like an app address (has the scheme).
func IsAppURL(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseApp parses clarifai://USER_ID/APP_ID. Both parts are required and
// nothing may follow them.
func ParseApp(s string) (App, error) {
	if !IsAppURL(s) {
		return App{}, fmt.Errorf("clarifai: %q: want clarifai://USER_ID/APP_ID", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return App{}, fmt.Errorf("clarifai: %q: %w", s, err)
	}
	path := strings.TrimPrefix(u.Path, "/")
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" || path == "" || strings.Contains(path, "/") {
		return App{}, fmt.Errorf("clarifai: %q: want clarifai://USER_ID/APP_ID", s)
	}
	return App{UserID: u.Host, AppID: path}, nil
}
