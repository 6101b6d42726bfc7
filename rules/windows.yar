// customs built-in rules: Windows executables in Linux images (category
// "windows-malware").
//
// A PE file in a Linux image is worth knowing (info) but usually harmless:
// pip ships Windows launchers (distlib w32.exe/w64.exe), Go and .NET tools
// ship cross-compiled builds. It is raised to suspicious when packed or
// compressed as a whole (packers hide the code from review), and to
// malicious only on indicators of a known malware family.
//
// Sources: ../shared/reference/contraband.md section 3.4 (PE test, legitimate
// PE files in images), packers' public section names, and public reports of
// the WannaCry ransomware (2017).

import "math"

// "MZ" at 0 and "PE\0\0" at e_lfanew, with e_lfanew inside the file.
private rule customs_windows_is_pe
{
    condition:
        window_offset == 0 and
        filesize >= 64 and
        uint16(0) == 0x5A4D and
        uint32(0x3C) >= 4 and
        uint32(0x3C) <= filesize - 4 and
        uint32(uint32(0x3C)) == 0x00004550
}

rule customs_windows_pe_file
{
    meta:
        category = "windows-malware"
        severity = "low"
        disposition = "info"
        confidence = "high"
        description = "Windows PE executable in a Linux image"
        reference = "https://www.algosec.com/blog/operation-red-kangaroo-industrys-first-dynamic-analysis-of-4m-public-docker-container-images/"

    condition:
        customs_windows_is_pe
}

rule customs_windows_pe_packed
{
    meta:
        category = "windows-malware"
        severity = "medium"
        disposition = "suspicious"
        confidence = "medium"
        description = "Windows PE executable compressed with an executable packer (UPX, MPRESS, ASPack, PECompact, Petite, Themida/WinLicense, VMProtect, NsPack, Enigma)"
        reference = "https://upx.github.io/"

    strings:
        // Section names the packers give their sections (8-byte fields,
        // NUL-padded); looked for in the section table only.
        $s1 = { 55 50 58 30 00 }                // UPX0
        $s2 = { 55 50 58 31 00 }                // UPX1
        $s3 = ".MPRESS1" ascii
        $s4 = ".MPRESS2" ascii
        $s5 = { 2E 61 73 70 61 63 6B 00 }       // .aspack
        $s6 = { 50 45 43 32 00 }                // PEC2
        $s7 = { 50 45 43 32 54 4F 00 }          // PEC2TO
        $s8 = { 2E 70 65 74 69 74 65 00 }       // .petite
        $s9 = ".themida" ascii
        $s10 = ".winlice" ascii
        $s11 = { 2E 76 6D 70 30 00 }            // .vmp0
        $s12 = { 2E 76 6D 70 31 00 }            // .vmp1
        $s13 = { 2E 6E 73 70 30 00 }            // .nsp0
        $s14 = { 2E 6E 73 70 31 00 }            // .nsp1
        $s15 = ".enigma1" ascii
        $s16 = ".enigma2" ascii

    condition:
        customs_windows_is_pe and
        // The section table follows the optional header: e_lfanew + 24 +
        // SizeOfOptionalHeader, NumberOfSections entries of 40 bytes.
        for any of ($s*) : (
            $ in (uint32(0x3C) + 24 + uint16(uint32(0x3C) + 20) ..
                  uint32(0x3C) + 24 + uint16(uint32(0x3C) + 20) + 40 * uint16(uint32(0x3C) + 6))
        )
}

rule customs_windows_pe_high_entropy
{
    meta:
        category = "windows-malware"
        severity = "medium"
        disposition = "suspicious"
        confidence = "low"
        description = "Windows PE executable whose bytes are almost random as a whole (entropy > 7.2 bits/byte): packed or encrypted"
        reference = "https://www.algosec.com/blog/operation-red-kangaroo-industrys-first-dynamic-analysis-of-4m-public-docker-container-images/"

    condition:
        customs_windows_is_pe and
        filesize >= 16KB and filesize <= 16MB and
        math.entropy(0, filesize) > 7.2
}

rule customs_windows_wannacry
{
    meta:
        category = "windows-malware"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "WannaCry ransomware (WanaCrypt0r) component"
        reference = "https://www.cisa.gov/news-events/alerts/2017/05/12/indicators-associated-wannacry-ransomware"

    strings:
        $s1 = "WNcry@2ol7" ascii
        $s2 = "WanaCrypt0r" ascii wide
        $s3 = "WANACRY!" ascii
        $s4 = "tasksche.exe" ascii wide
        $s5 = "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com" ascii
        $s6 = ".WNCRY" ascii wide
        $s7 = "Global\\MsWinZonesCacheCounterMutexA" ascii wide

    condition:
        customs_windows_is_pe and 2 of them
}
