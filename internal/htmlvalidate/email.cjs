// html-validate's rules for khabar's HTML email (the digest, whose web
// version is the same page, and the signup confirmation): web.cjs's, less
// the rules that HTML email's conventions break on purpose, so that a mail
// client lays the message out as a browser does.
const web = require("./web.cjs");

module.exports = {
  ...web,
  rules: {
    ...web.rules,
    // width, cellpadding, cellspacing, align, valign on tables and cells: Outlook (Word's renderer)
    // and older webmail ignore the CSS equivalents; border="0" is not reported by html-validate.
    "no-deprecated-attr": "off",
    // <tr> straight in <table> is valid (the parser adds the <tbody>); email templates conventionally omit it.
    "prefer-tbody": "off",
    // The <title> is the message's subject, which names the date and the lead story: it is not a search result.
    "long-title": "off",
  },
};
