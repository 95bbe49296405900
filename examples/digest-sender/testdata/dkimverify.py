#!/usr/bin/env python3
"""Verify the DKIM signature of every .eml file in a folder with dkimpy
(Debian's python3-dkim), an implementation independent of the Go code
that signed them. The public key's TXT record is given, not looked up.

Usage: dkimverify.py DIR NAME TXT
  NAME is the record's name (selector._domainkey.domain), TXT its value.
Prints one line per message, "ok FILE" or "FAIL FILE: reason", and exits
1 if any failed.
"""
import logging
import os
import sys

import dkim


def main():
    folder, name, txt = sys.argv[1], sys.argv[2], sys.argv[3].encode()

    def dnsfunc(qname, timeout=5):
        q = qname.decode() if isinstance(qname, bytes) else qname
        return txt if q.rstrip(".") == name else None

    failed = 0
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".eml"):
            continue
        with open(os.path.join(folder, f), "rb") as fh:
            msg = fh.read()
        log = logging.getLogger("dkim")
        try:
            ok = dkim.verify(msg, logger=log, dnsfunc=dnsfunc)
            reason = "" if ok else "signature does not verify"
        except dkim.DKIMException as e:
            ok, reason = False, str(e)
        if ok:
            print("ok", f)
        else:
            failed += 1
            print("FAIL %s: %s" % (f, reason))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
