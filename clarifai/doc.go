// Package clarifai reads a Clarifai app's inputs, annotations and concept
// relations over gRPC as curate [dataset] values, and writes concept
// annotations back.
//
// curate carries its own subset of Clarifai's protocol (proto/ and the
// generated apipb/); [Client] is a small API over it that speaks dataset
// types. An app is addressed as
//
//	clarifai://USER_ID/APP_ID
//
// # Connecting
//
// [Dial] connects to api.clarifai.com:443 over TLS unless [Config.Endpoint]
// says otherwise; plain text is allowed only to loopback addresses. The key
// (a personal access token) is sent as "authorization: Key …" metadata by
// one interceptor. It is held in a [Secret], which never prints: no error,
// log line or journal entry contains it.
//
// Every reply's status code is checked, even when gRPC reports success: a
// non-success status becomes a [*StatusError]; a rejected key matches
// [ErrUnauthenticated] and an unknown app [ErrAppNotFound].
//
// # Reading
//
// [Client.Pull] pages through the app's inputs and, for each page, the
// annotations of those inputs (per_page always set; a page with no items
// ends a listing, a short page does not) and presents them as a
// [dataset.Reader], the same Arrow batches a local file gives. Over gRPC an
// absent concept value is 0.0, a negative: such values are recorded with
// [dataset.ValueGRPCDefault]. Annotations by models and workflows keep
// their annotator and score.
//
// # Writing
//
// [Client.Push] posts input-level concept annotations in batches of at most
// 128, every value set, with client-chosen deterministic ids so a retry can
// never duplicate: after an ambiguous failure it lists which of the batch's
// annotations landed and resends only the rest. It retries transient
// failures with backoff and jitter, stays under a rate limit, keeps a few
// requests in flight, reports each failed item with its code, and records
// confirmed annotations in a journal so an interrupted push resumes.
package clarifai
