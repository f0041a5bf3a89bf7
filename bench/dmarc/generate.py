#!/usr/bin/env python3
"""Write a DMARC aggregate report of N records (default 200,000, about 100 MB).

usage: bench/dmarc/generate.py OUT.xml [RECORDS]

Deterministic (no randomness): record i gets IP 10.x.y.z from i, a count of 1-50,
and varied DKIM/SPF results, so the file is large and not trivially compressible.
"""
import sys

out, records = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200000
results = ["pass", "fail", "softfail", "neutral", "none"]
with open(out, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n  <version>1.0</version>\n'
            "  <report_metadata>\n    <org_name>bench.example</org_name>\n"
            "    <email>dmarc-reports@bench.example</email>\n"
            "    <report_id>bench-2024-0001</report_id>\n"
            "    <date_range><begin>1704067200</begin><end>1704153599</end></date_range>\n"
            "  </report_metadata>\n  <policy_published>\n    <domain>example.com</domain>\n"
            "    <adkim>r</adkim><aspf>r</aspf><p>quarantine</p><sp>none</sp><pct>100</pct>\n"
            "  </policy_published>\n")
    for i in range(records):
        ip = "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
        dk, sp = results[i % 5], results[(i // 5) % 5]
        disp = "none" if dk == "pass" or sp == "pass" else "quarantine"
        f.write("  <record>\n    <row>\n      <source_ip>%s</source_ip>\n      <count>%d</count>\n"
                "      <policy_evaluated>\n        <disposition>%s</disposition>\n"
                "        <dkim>%s</dkim>\n        <spf>%s</spf>\n      </policy_evaluated>\n"
                "    </row>\n    <identifiers>\n      <header_from>example.com</header_from>\n"
                "      <envelope_from>bounce%d.example.com</envelope_from>\n    </identifiers>\n"
                "    <auth_results>\n      <dkim>\n        <domain>example.com</domain>\n"
                "        <selector>s%d</selector>\n        <result>%s</result>\n      </dkim>\n"
                "      <spf>\n        <domain>bounce%d.example.com</domain>\n"
                "        <scope>mfrom</scope>\n        <result>%s</result>\n      </spf>\n"
                "    </auth_results>\n  </record>\n"
                % (ip, 1 + i % 50, disp, dk, sp, i % 97, i % 13, dk, i % 97, sp))
    f.write("</feedback>\n")
