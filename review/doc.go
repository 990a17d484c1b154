// Package review is the human step between suggesting negatives and
// writing them back: a local web page on which a person accepts, rejects
// or flips suggestions, and the decisions file that remembers the choices.
//
// [Open] starts (or resumes) a [Session] over a suggestions file (the JSONL
// that curate suggest writes) and one pass over the source dataset, which
// gives each card the input's media and current positives and each concept
// its balance. [Handler] serves the page and its JSON API; [Start] runs it
// on loopback behind a random token. [Session.Decide] records decisions
// from code, as the page does.
//
// # Decisions file
//
// Decisions live beside the suggestions ([DecisionsPath]: neg.jsonl ->
// neg.decisions.jsonl), one JSON object per line, appended and synced
// before the page is told they are saved; the last line for a pair wins,
// and "" takes a decision back (undo):
//
//	{"input_id":"in-7","concept_id":"wolf","decision":"accept","time":"2026-12-01T08:30:00Z"}
//	{"input_id":"in-9","concept_id":"wolf","decision":"reject","time":"…"}
//	{"input_id":"in-4","concept_id":"fox","decision":"positive","time":"…"}
//
// A crash can only cut the last line short; [ReadDecisions] and [OpenLog]
// drop such a line, so a reopened review resumes with every acknowledged
// decision. curate apply applies exactly the accepted ones (and the flips to
// positive); curate suggest never proposes a rejected pair again.
//
// # Memory
//
// A session keeps a few fixed-size fields per suggestion and, for the
// inputs that have suggestions only, their media URL or text and their
// positives. The reason and the rest of a line are read back from the
// suggestions file for the page being shown, so the page is served in
// pages of at most a few hundred cards whatever the file's size.
//
// # Safety
//
// [Start] listens on loopback unless told otherwise; every request needs
// the token; a POST must be JSON from the page's own origin; the Content
// Security Policy lets the page load its own script and style sheet and
// images or media from the inputs' own origins, nothing else.
package review
