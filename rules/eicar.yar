// customs built-in rules: the EICAR anti-malware test file.
//
// The EICAR test file is a 68-byte ASCII string that every anti-malware
// product agrees to report. It counts when the file starts with the string
// and is followed by nothing but white space (space, tab, CR, LF, Ctrl-Z),
// the whole file being at most 128 bytes.
// Source: https://www.eicar.org/download-anti-malware-testfile/

rule customs_malware_eicar_test_file
{
    meta:
        category = "malware"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "EICAR anti-malware test file"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"

    strings:
        // The backslash is escaped in the rule text, so this file itself is
        // not a test file.
        $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

    condition:
        window_offset == 0 and
        filesize >= 68 and filesize <= 128 and
        $eicar at 0 and
        for all i in (68 .. filesize) : (
            i == filesize or
            uint8(i) == 0x20 or uint8(i) == 0x09 or uint8(i) == 0x0A or
            uint8(i) == 0x0D or uint8(i) == 0x1A
        )
}
