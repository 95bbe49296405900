// html-validate's rules for khabar's web pages (the unsubscribe and signup
// pages, the feed index and archive pages): its recommended and document
// presets, less the rules below, each a matter of style, not validity.
// internal/htmlvalidate runs it; email.cjs relaxes it for HTML email.
module.exports = {
  extends: ["html-validate:recommended", "html-validate:document"],
  // Two checks html-validate's element metadata lacks, added (its own entries for these elements, plus):
  elements: [
    "html5",
    {
      // <main> holds flow content only (HTML: a <style> belongs in <head>); html-validate gives it no content model.
      main: { flow: true, permittedContent: ["@flow"], aria: { implicitRole: "main" } },
      // A <time> without datetime must hold a valid date as its text; khabar shows times with a zone
      // abbreviation ("18:30 IST"), which is not one, so each carries datetime.
      time: { requiredAttributes: ["datetime"] },
    },
  ],
  rules: {
    // <!doctype html> and <!DOCTYPE html> are the same doctype (HTML is case-insensitive there).
    "doctype-style": "off",
    // Checkboxes sharing a name (the signup form's many "follow" boxes) submit a list; valid HTML, and
    // the rule's default only wants PHP's name[] convention. Other duplicate names are still errors.
    "form-dup-name": ["error", { shared: ["radio", "checkbox", "button", "reset", "submit"] }],
    // A style attribute is valid; the signup form indents nested follow choices with one, and the
    // pages' CSP allows inline style.
    "no-inline-style": "off",
  },
};
