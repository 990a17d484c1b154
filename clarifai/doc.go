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
// [Client.Push] never damages what the app holds. Batch by batch (at most
// 128 labels), it first lists the human annotations of the batch's inputs
// and settles each label ([Outcome]): the same value under any annotation
// id is present; the opposite value is a conflict, refused unless
// [PushOptions.Overwrite], which patches the app's annotation on its own
// id (PatchAnnotations, action merge, the value explicit) and reads it
// back; the rest is posted as input-level annotations, every value set,
// with client-chosen deterministic ids ([AnnotationID]). A label counts
// as written only when the reply names it with a success status or a
// listing finds it. After a lost reply, a reply naming no item, or a
// duplicate-id status, the batch's inputs are listed again and only what
// is missing is resent. Transient failures are retried with backoff and
// jitter under a rate limit, a few batches in flight; each failed label is
// reported with its code; confirmed labels go to a [Journal] so an
// interrupted push resumes.
//
// # Deadlines and secrets
//
// Every call has its own deadline ([CheckTimeout], [ReadTimeout],
// [WriteTimeout], or [WithCallTimeout]); a call that gets no reply is
// tried [Retry].Stalls times and then fails with a [*StallError] naming
// the call; [WithNotify] says what the client is waiting for. The key is
// removed, whatever its case, from every error the client returns and
// every message it sends to WithNotify.
package clarifai
