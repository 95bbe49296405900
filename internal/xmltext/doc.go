// Package xmltext holds what every writer of XML (and JSON) text in khabar
// shares: the check "is this text clean for XML?", the cleaning itself,
// and one escaper per output context.
//
// Clean is khabar.CleanText: valid UTF-8 holding only characters XML 1.0
// allows. IsClean and CleanPrefix answer, eight bytes at a time, whether
// Clean would change a string and where, without allocating.
//
// The escapers append to a byte slice, one per context (AppendText for
// character data, AppendAttr for a double-quoted attribute value,
// AppendJSON for the body of a JSON string, AppendCDATA for CDATA
// sections), and take a Mode as their last argument, as encoding/json's
// appendString takes escapeHTML: Check cleans text of unknown origin
// first, Trusted skips the check for text already cleaned, such as every
// text field of an article stored in a khabar.Catalog.
//
//	b = xmltext.AppendText(b, title, xmltext.Trusted)
//	b = xmltext.AppendAttr(b, feedTitle, xmltext.Check)
//
// Everything here is safe for concurrent use.
package xmltext
