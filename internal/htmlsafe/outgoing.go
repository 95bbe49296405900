package htmlsafe

import "strings"

// The Outgoing policy's rules: the W3C feed validator's lists, with what
// feed readers must not run removed.

// acceptableElements are the W3C feed validator's acceptable elements
// (HTMLValidator.acceptable_elements) less noscript, textarea and
// template, whose content browsers do not parse as the tokenizer does
// (noscript with scripting on, textarea as raw text): they are dropped.
var acceptableElements = setOf(`a abbr acronym address area article aside audio b bdi big
blockquote br button canvas caption center cite code col colgroup command data datagrid
datalist dd del details dfn dialog dir div dl dt em eventsource fieldset figcaption figure
footer font form header h1 h2 h3 h4 h5 h6 hgroup hr i img input ins keygen kbd label legend
li m main map mark menu meter multicol nav nextid ol output optgroup option p picture pre
progress q rp rt ruby s samp section select small sound source spacer span strike strong
sub summary sup table tbody td time tfoot th thead tr track tt u ul var video wbr`)

// droppedWithContent are removed with everything inside them.
var droppedWithContent = setOf(`script style iframe frameset noframes noembed object applet
xmp plaintext listing title textarea noscript template svg math head`)

// acceptableAttrs are the validator's acceptable attributes
// (HTMLValidator.acceptable_attributes) less style (checked apart by the
// validator, dropped here) and ping (requests to third parties).
var acceptableAttrs = setOf(`abbr accept accept-charset accesskey action align allow
allowfullscreen allowpaymentrequest alt as autoplay autocapitalize autocomplete autofocus
axis background balance bgcolor bgproperties border bordercolor bordercolordark
bordercolorlight bottompadding cellpadding cellspacing ch challenge char charoff choff
charset checked cite class clear color cols colspan compact contenteditable coords
crossorigin data datafld datapagesize datasrc datetime decoding default delay dir dirname
disabled download draggable dynsrc enctype end enterkeyhint face for form formenctype
frame galleryimg gutter headers height hidefocus hidden high href hreflang hspace icon id
inputmode is ismap itemid itemprop itemref itemscope itemtype kind keytype label lang
leftspacing loading list longdesc loop loopcount loopend loopstart low lowsrc max
maxlength media method min minlength multiple muted name nohref nonce noshade nowrap open
optimum pattern placeholder playsinline point-size poster preload prompt pqg radiogroup
readonly referrerpolicy rel repeat-max repeat-min replace required rev reversed
rightspacing rows rowspan rules scope selected shape size sizes span spellcheck src
srclang srcset start step summary suppress tabindex target template title toppadding
translate type unselectable usemap urn valign value variable volume vspace vrml width
wrap xml:lang xmlns`)

// AcceptableAttr reports whether the Outgoing policy keeps attribute name
// (the W3C feed validator's acceptable attributes and data-*, less style
// and ping).
func AcceptableAttr(name string) bool { return attrOK(name) }

// URLAttr reports whether attribute name holds a URL (or, for srcset, a
// list of them) that both policies pass through their URL rule.
func URLAttr(name string) bool { return urlAttr(name) }

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func skipSpace(s string, i int) int {
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	return i
}

// quietURL reports whether the raw attribute value v of a URL attribute is
// an absolute http(s) or mailto address Outgoing keeps as it is.
func quietURL(name, v string) bool {
	if name != "srcset" {
		return absPrefix(v)
	}
	for c := range strings.SplitSeq(v, ",") {
		if !absPrefix(strings.TrimLeft(c, " \t\n\f\r")) {
			return false
		}
	}
	return true
}

func absPrefix(v string) bool {
	return (strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "mailto:")) &&
		!strings.ContainsAny(v, "\t\n\r")
}
