// customs built-in rules: hacking and penetration-testing tools (category
// "hacking-tool").
//
// Scanners, brute-forcers, exploitation frameworks and tunnels are dual-use:
// suspicious (customs reports a copy installed by the distribution's package
// manager, e.g. Debian's nmap, as info naming the package). Credential
// dumpers and C2 implants are malicious.
//
// Sources: ../shared/reference/contraband.md section 3.3, the tools' own
// usage/banner strings (checked on the Debian bookworm packages nmap 7.93,
// masscan 1.3.2, zmap 2.1.1, hydra 9.4, sqlmap 1.7.2), Go import paths of
// the tunnels' upstream repositories, Metasploit's payload sources and
// public Cobalt Strike beacon configuration parsers.

private rule customs_hacking_tool_is_executable
{
    condition:
        window_offset > 0 or
        uint32(0) == 0x464C457F or
        uint16(0) == 0x5A4D or
        uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
        uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE
}

private rule customs_hacking_tool_is_elf
{
    condition:
        window_offset == 0 and uint32(0) == 0x464C457F
}

// ---------------------------------------------------------------- scanners

rule customs_hacking_tool_nmap
{
    meta:
        category = "hacking-tool"
        severity = "medium"
        disposition = "suspicious"
        confidence = "high"
        description = "Nmap network scanner binary"
        reference = "https://nmap.org/book/man.html"

    strings:
        $report = /Nmap scan report fo[r]/
        $done = /Nmap don[e]/
        $site = /https:\/\/nmap\.org/
        $fyodor = /fyodor@nmap\.org/

    condition:
        customs_hacking_tool_is_executable and $report and 2 of ($done, $site, $fyodor)
}

rule customs_hacking_tool_masscan
{
    meta:
        category = "hacking-tool"
        severity = "medium"
        disposition = "suspicious"
        confidence = "high"
        description = "masscan Internet-scale port scanner binary"
        reference = "https://github.com/robertdavidgraham/masscan"

    strings:
        $repo = /robertdavidgraham\/masscan/
        $usage = /Usage: masscan \[Options\]/
        $banner = /Masscan versio[n]/
        $nmap = /masscan --nma[p]/

    condition:
        customs_hacking_tool_is_executable and 2 of them
}

rule customs_hacking_tool_zmap
{
    meta:
        category = "hacking-tool"
        severity = "medium"
        disposition = "suspicious"
        confidence = "high"
        description = "ZMap Internet-wide scanner binary"
        reference = "https://github.com/zmap/zmap"

    strings:
        $blacklist = /ZMap is currently using the default blacklis[t]/
        $thread = /zmap main thread starte[d]/
        $probe = /--list-probe-module[s]/
        $conf = /\/etc\/zmap\/zmap\.conf/

    condition:
        customs_hacking_tool_is_executable and 3 of them
}

// ----------------------------------------------------------- brute-forcers

rule customs_hacking_tool_hydra
{
    meta:
        category = "hacking-tool"
        severity = "medium"
        disposition = "suspicious"
        confidence = "high"
        description = "THC Hydra network login brute-forcer binary"
        reference = "https://github.com/vanhauser-thc/thc-hydra"

    strings:
        $repo = /vanhauser-thc\/thc-hydra/
        $notice = /Please don't use in military or secret service organization[s]/
        $proxy = /HYDRA_PROXY_HTT[P]/
        $syntax = /Syntax: hydr[a]/

    condition:
        customs_hacking_tool_is_executable and 2 of them
}

// ------------------------------------------------- exploitation frameworks

rule customs_hacking_tool_sqlmap
{
    meta:
        category = "hacking-tool"
        severity = "medium"
        disposition = "suspicious"
        confidence = "high"
        description = "sqlmap SQL injection tool (its settings module)"
        reference = "https://sqlmap.org/"

    strings:
        $desc = /automatic SQL injection and database takeover too[l]/
        $site = /sqlmap\.org/

    condition:
        all of them
}

rule customs_hacking_tool_metasploit_framework
{
    meta:
        category = "hacking-tool"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "Metasploit Framework launcher script (msfconsole, msfvenom and tools)"
        reference = "https://github.com/rapid7/metasploit-framework"

    strings:
        $env = /require 'msfen[v]'/
        $rex = /require 're[x]'/
        $msf = /require ['"]msf\/(base|core|ui)/

    condition:
        filesize < 1MB and $env and ($rex or $msf)
}

rule customs_hacking_tool_meterpreter_mettle
{
    meta:
        category = "hacking-tool"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Metasploit Meterpreter implant for Linux/macOS (mettle), possibly with an embedded callback configuration"
        reference = "https://github.com/rapid7/mettle"

    strings:
        // msfvenom patches the default options into the binary.
        $opts = /mettle -[U] "/
        $persist = /--persist \[none\|install\|uninstall\]/
        $guid = /session-gui[d]/
        $default = /DEFAULT_OPT[S]/

    condition:
        customs_hacking_tool_is_executable and
        ($opts or ($persist and ($guid or $default)))
}

rule customs_hacking_tool_msfvenom_shell_elf
{
    meta:
        category = "hacking-tool"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Small ELF carrying a Metasploit Linux shell payload (reverse or bind TCP)"
        reference = "https://github.com/rapid7/metasploit-framework/tree/master/modules/payloads/singles/linux"

    strings:
        // linux/x64/shell_{reverse,bind}_tcp: socket(AF_INET, SOCK_STREAM),
        // then connect (0x2a) or bind (0x31).
        $x64 = { 6A 29 58 99 6A 02 5F 6A 01 5E 0F 05 48 97 [2-24] 6A ( 2A | 31 ) 58 0F 05 }
        // linux/x86/shell_reverse_tcp: socketcall(SYS_SOCKET), dup2 loop.
        $x86 = { 31 DB F7 E3 53 43 53 6A 02 89 E1 B0 66 CD 80 93 59 B0 3F CD 80 49 79 F9 }

    condition:
        customs_hacking_tool_is_elf and filesize < 16KB and any of them
}

// ---------------------------------------------------- credential dumpers

rule customs_hacking_tool_mimikatz
{
    meta:
        category = "hacking-tool"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "mimikatz Windows credential dumper (binary or script invoking it)"
        reference = "https://github.com/gentilkiwi/mimikatz"

    strings:
        // In hex, so that this text does not carry the commands: the
        // sekurlsa module's logonpasswords command (ASCII, and its first 16
        // characters in UTF-16), the lsadump module's sam command, the
        // sekurlsa module's pass-the-hash command, and the tool's name in
        // UTF-16.
        $cmd1 = { 73 65 6B 75 72 6C 73 61 3A 3A 6C 6F 67 6F 6E 70 61 73 73 77 6F 72 64 73 }
        $cmd1w = { 73 00 65 00 6B 00 75 00 72 00 6C 00 73 00 61 00 3A 00 3A 00 6C 00 6F 00 67 00 6F 00 6E 00 70 00 61 00 73 00 73 00 }
        $cmd2 = { 6C 73 61 64 75 6D 70 3A 3A 73 61 6D }
        $cmd3 = { 73 65 6B 75 72 6C 73 61 3A 3A 70 74 68 }
        $n1 = { 6D 00 69 00 6D 00 69 00 6B 00 61 00 74 00 7A 00 }
        $n2 = /gentilkiw[i]/ ascii wide
        $n3 = /kuhl_m[_]/ ascii wide

    condition:
        $cmd1 or $cmd1w or
        (uint16(0) == 0x5A4D and window_offset == 0 and
         (2 of ($n*) or (any of ($cmd*) and any of ($n*))))
}

rule customs_hacking_tool_lazagne
{
    meta:
        category = "hacking-tool"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "LaZagne password recovery/stealer (Python sources or PyInstaller binary)"
        reference = "https://github.com/AlessandroZ/LaZagne"

    strings:
        $banner = /The LaZagne Projec[t]/
        $m1 = /lazagne\.config/
        $m2 = /lazagne\.softwares/
        $m3 = /lazagne\/softwares/

    condition:
        $banner or 2 of ($m*)
}

// ----------------------------------------------------------------- tunnels

rule customs_hacking_tool_chisel
{
    meta:
        category = "hacking-tool"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "chisel TCP/UDP tunnel over HTTP (Go binary)"
        reference = "https://github.com/jpillora/chisel"

    strings:
        $mod = /github\.com\/jpillora\/chisel[\/\t]/

    condition:
        customs_hacking_tool_is_executable and $mod
}

rule customs_hacking_tool_frp
{
    meta:
        category = "hacking-tool"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "frp fast reverse proxy (frpc/frps Go binary)"
        reference = "https://github.com/fatedier/frp"

    strings:
        $mod = /github\.com\/fatedier\/frp[\/\t]/

    condition:
        customs_hacking_tool_is_executable and $mod
}

rule customs_hacking_tool_gost
{
    meta:
        category = "hacking-tool"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "GOST tunnel/proxy (Go binary)"
        reference = "https://github.com/go-gost/gost"

    strings:
        $v2 = /github\.com\/ginuerzh\/gost[\/\t]/
        $v3 = /github\.com\/go-gost\/gost[\/\t]/

    condition:
        customs_hacking_tool_is_executable and any of them
}

rule customs_hacking_tool_ligolo
{
    meta:
        category = "hacking-tool"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "ligolo / ligolo-ng reverse tunnelling tool (Go binary)"
        reference = "https://github.com/nicocha30/ligolo-ng"

    strings:
        $ng = /github\.com\/nicocha30\/ligolo-ng[\/\t]/
        $v1 = /github\.com\/sysdream\/ligolo[\/\t]/

    condition:
        customs_hacking_tool_is_executable and any of them
}

rule customs_hacking_tool_ngrok
{
    meta:
        category = "hacking-tool"
        severity = "medium"
        disposition = "suspicious"
        confidence = "medium"
        description = "ngrok tunnel agent or library (exposes local services to the Internet)"
        reference = "https://github.com/inconshreveable/ngrok"

    strings:
        $v1 = /github\.com\/inconshreveable\/ngrok[\/\t]/
        $sdk = /golang\.ngrok\.com\/ngrok[.\/]/
        $agent = /go\.ngrok\.com\//

    condition:
        customs_hacking_tool_is_executable and any of them
}

// ------------------------------------------------------------ C2 implants

rule customs_hacking_tool_sliver
{
    meta:
        category = "hacking-tool"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Sliver C2 implant or framework binary"
        reference = "https://github.com/BishopFox/sliver"

    strings:
        $proto1 = /sliverp[b]/
        $proto2 = /sliverpb\/sliver\.proto/
        $proto3 = /commonpb\/common\.proto/
        $mod = /github\.com\/bishopfox\/sliver\//
        $f1 = /GetBeaconJitte[r]/
        $f2 = /GetImplantBuild[s]/
        $f3 = /GetObfuscateSymbol[s]/

    condition:
        customs_hacking_tool_is_executable and filesize < 64MB and
        $proto1 and 2 of ($proto2, $proto3, $mod, $f1, $f2, $f3)
}

rule customs_hacking_tool_cobalt_strike_beacon
{
    meta:
        category = "hacking-tool"
        severity = "critical"
        disposition = "malicious"
        confidence = "medium"
        description = "Cobalt Strike beacon configuration block (XOR-encoded with the default keys 0x69 or 0x2e)"
        reference = "https://github.com/Sentinel-One/CobaltStrikeParser"

    strings:
        // The config is a list of (id u16, type u16, length u16, value)
        // settings starting with BeaconType (short), Port (short) and
        // SleepTime (int): 00 01 00 01 00 02 ?? ?? 00 02 00 01 00 02 ?? ??
        // 00 03 00 02 00 04, XORed with one byte.
        $x69 = { 69 68 69 68 69 6B ?? ?? 69 6B 69 68 69 6B ?? ?? 69 6A 69 6B 69 6D }
        $x2e = { 2E 2F 2E 2F 2E 2C ?? ?? 2E 2C 2E 2F 2E 2C ?? ?? 2E 2D 2E 2C 2E 2A }

    condition:
        any of them
}
