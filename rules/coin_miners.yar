// customs built-in rules: cryptocurrency miners (category "coin-miner").
//
// Miners are dual-use: an openly installed miner is reported as suspicious.
// A miner built to hide (donation code patched out, configuration compiled
// into the binary) or a script that kills competing miners is malicious.
// File names are never used: miners are routinely renamed (the docker123321
// images ran `minerd` as `jaav`), so the rules look at strings that survive
// renaming and stripping.
//
// Sources: ../shared/reference/contraband.md section 3.1 (XMRig sources
// src/net/strategies/DonateStrategy.cpp, src/core/usage.h, src/config.json;
// Falco sandbox lists miner_domains / miner_ports; community wallet formats),
// section 1.2 (docker123321) and 1.3 (dockmylife/memorytest).

// ELF, PE or Mach-O at the start of the file. Windows after the first (files
// larger than one scan window) cannot see the header, so they are accepted:
// the strings the rules ask for are specific on their own.
private rule customs_coin_miner_is_executable
{
    condition:
        window_offset > 0 or
        uint32(0) == 0x464C457F or
        uint16(0) == 0x5A4D or
        uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
        uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE
}

// Strings compiled into every XMRig build (and most forks): command-line
// usage text and algorithm names.
//
// Throughout these files a literal indicator is written so that the rule
// text does not contain it verbatim (a one-character class such as [l], an
// escaped \. or \/, or hex bytes): customs embeds the rule text in its own
// binary and must not report itself.
private rule customs_coin_miner_xmrig_markers
{
    strings:
        $u1 = /--donate-leve[l]/
        $u2 = /--randomx-mod[e]/
        $u3 = /--cpu-max-threads-hin[t]/
        $u4 = /--tls-fingerprin[t]/
        $u5 = /--donate-over-prox[y]/
        $u6 = /--randomx-1gb-page[s]/
        $u7 = /--cpu-affinit[y]/
        $u8 = /--rig-i[d]/
        $a1 = /rx\/wow/
        $a2 = /rx\/arq/
        $a3 = /cn-heavy\//
        $a4 = /cn-pic[o]/
        $a5 = /argon2\/chukwa/
        $a6 = /[Cc]ryptonight/
        $a7 = /[Rr]andom[Xx]/
        $a8 = /rx\/graft/
        $a9 = /[Gg]host[Rr]ider/
        $n1 = /XMRi[g]/ fullword
        $n2 = /xmrig\.com/

    condition:
        customs_coin_miner_is_executable and
        3 of ($u*) and 3 of ($a*) and any of ($n*)
}

rule customs_coin_miner_xmrig_binary
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "XMRig cryptocurrency miner binary (donation host, usage text and algorithm names, even if renamed or stripped)"
        reference = "https://github.com/xmrig/xmrig"

    strings:
        // Donation pools compiled into XMRig (DonateStrategy.cpp).
        $d1 = /donate\.v2\.xmrig\.com/
        $d2 = /donate\.ssl\.xmrig\.com/

    condition:
        customs_coin_miner_is_executable and
        (any of ($d*) or customs_coin_miner_xmrig_markers)
}

rule customs_coin_miner_xmrig_donation_removed
{
    meta:
        category = "coin-miner"
        severity = "critical"
        disposition = "malicious"
        confidence = "medium"
        description = "XMRig-based miner with the donation pools patched out (typical of weaponized builds)"
        reference = "https://github.com/xmrig/xmrig/blob/master/src/net/strategies/DonateStrategy.cpp"

    strings:
        $d1 = /donate\.v2\.xmrig\.com/
        $d2 = /donate\.ssl\.xmrig\.com/
        $d3 = /donate\.xmrig\.com/
        // The MoneroOcean fork donates to its own pool.
        $d4 = /moneroocean\.stream/

    condition:
        // Only when the whole file is in view: in a window of a larger file
        // the donation hosts may sit in another window.
        window_offset == 0 and filesize < 16MB and
        customs_coin_miner_xmrig_markers and not any of ($d*)
}

rule customs_coin_miner_embedded_config
{
    meta:
        category = "coin-miner"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Executable with a miner configuration (pools, wallet) compiled in"
        reference = "https://xmrig.com/docs/miner/config"

    strings:
        $pools = /"pools"\s{0,8}:\s{0,8}\[/
        $k1 = "\"donate-level\"" ascii
        $k2 = "\"randomx\"" ascii
        $k3 = "\"rig-id\"" ascii
        $k4 = "\"donate-over-proxy\"" ascii
        $wallet = /"(user|wallet|wallet_address|login)"\s{0,8}:\s{0,8}"[48][1-9AB][1-9A-HJ-NP-Za-km-z]{93}/

    condition:
        customs_coin_miner_is_executable and
        (($pools and 2 of ($k*)) or $wallet)
}

rule customs_coin_miner_stratum_binary
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = "Executable speaking the Stratum mining protocol (cpuminer/minerd, ccminer, cgminer, xmr-stak and kin)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        $scheme = /stratum2?\+(tcp|ssl|tls|udp):\/\//
        $m1 = /mining\.subscribe/
        $m2 = /mining\.authorize/
        $m3 = /mining\.submit/
        $m4 = /mining\.notify/
        $m5 = /mining\.set_difficulty/
        $stak1 = /(xmr|XMR)-(stak|Stak|STAK)/
        $stak2 = /pool_addres[s]/
        $stak3 = /wallet_addres[s]/

    condition:
        customs_coin_miner_is_executable and
        $scheme and
        (3 of ($m*) or all of ($stak*))
}

rule customs_coin_miner_xmrig_config
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "XMRig miner configuration (pools with url and user, donate-level, randomx, algo)"
        reference = "https://xmrig.com/docs/miner/config"

    strings:
        $pools = /"pools"\s{0,8}:\s{0,8}\[/
        $url = /"url"\s{0,8}:\s{0,8}"/
        $user = /"user"\s{0,8}:\s{0,8}"/
        $k1 = "\"donate-level\"" ascii
        $k2 = "\"donate-over-proxy\"" ascii
        $k3 = "\"randomx\"" ascii
        $k4 = "\"algo\"" ascii
        $k5 = "\"coin\"" ascii
        $k6 = "\"rig-id\"" ascii
        $k7 = "\"nicehash\"" ascii
        $k8 = "\"huge-pages\"" ascii
        $k9 = "\"max-threads-hint\"" ascii

    condition:
        filesize < 1MB and $pools and $url and $user and 2 of ($k*)
}

rule customs_coin_miner_xmr_stak_config
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "xmr-stak miner pool configuration (pool_list with pool_address and wallet_address)"
        reference = "https://github.com/docker/hub-feedback/issues/1121"

    strings:
        $list = "\"pool_list\"" ascii
        $addr = /"pool_address"\s{0,8}:\s{0,8}"[^"]{4,256}:[0-9]{2,5}"/
        $wallet = "\"wallet_address\"" ascii
        $pass = "\"pool_password\"" ascii

    condition:
        filesize < 1MB and $addr and $wallet and ($list or $pass)
}

rule customs_coin_miner_stratum_url
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "Stratum mining pool URL (stratum+tcp, +ssl, +tls or +udp scheme with a host)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        $url = /stratum2?\+(tcp|ssl|tls|udp):\/\/[A-Za-z0-9][A-Za-z0-9.\-]{0,252}(:[0-9]{1,5})?/

    condition:
        $url
}

rule customs_coin_miner_pool_domain
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "Mining pool host with port (Monero and other pools)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        $xmr = /(minexmr\.com|supportxmr\.com|supporminexmr\.com|moneroocean\.stream|hashvault\.pro|c3pool\.com|xmrpool\.(eu|net)|moneropool\.com|monerohash\.com|crypto-pool\.fr|minergate\.com|unmineable\.com|hashcity\.org):[0-9]{2,5}/
        $other = /(nanopool\.org|2miners\.com|f2pool\.com|dwarfpool\.com|ethermine\.org|ethpool\.org|slushpool\.com|antpool\.com|herominers\.com|nicehash\.com|flypool\.org|flexpool\.io):[0-9]{2,5}/

    condition:
        any of them
}

rule customs_coin_miner_wallet_address
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = "Monero wallet address given to a miner (config user/wallet field or -u/--user option)"
        reference = "https://github.com/docker/hub-feedback/issues/1121"

    strings:
        // The base58 part is only tried after a literal context: an
        // unanchored 95-character base58 regex is far too slow.
        $json = /"(user|wallet|wallet_address|login|address)"\s{0,8}:\s{0,8}"[48][1-9AB][1-9A-HJ-NP-Za-km-z]{93}/
        $cli1 = /\s(-u|--user|--wallet|-w)[ =]["']?[48][1-9AB][1-9A-HJ-NP-Za-km-z]{93}/
        $cli2 = /--user=["']?[48][1-9AB][1-9A-HJ-NP-Za-km-z]{93}/
        $env = /(WALLET|WALLET_ADDRESS|XMR_WALLET|MONERO_WALLET|POOL_USER)=["']?[48][1-9AB][1-9A-HJ-NP-Za-km-z]{93}/

    condition:
        any of them
}

rule customs_coin_miner_download
{
    meta:
        category = "coin-miner"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "Script or file that downloads an XMRig release"
        reference = "https://github.com/xmrig/xmrig/releases"

    strings:
        $rel = /github\.com\/xmrig\/xmrig\/releases\/download\//
        $tar = /\/xmrig-[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}-(linux|linux-static|bionic|focal|jammy|noble|xenial|freebsd|macos|msvc|gcc)[A-Za-z0-9_.\-]{0,32}\.(tar\.gz|zip)/

    condition:
        any of them
}

rule customs_coin_miner_competitor_killer
{
    meta:
        category = "coin-miner"
        severity = "critical"
        disposition = "malicious"
        confidence = "medium"
        description = "Script that kills competing miners (cryptojacking kit)"
        reference = "https://sysdig.com/blog/detecting-cryptojacking/"

    strings:
        $k1 = /(pkill|killall)\s{1,4}(-9\s{1,4})?(-f\s{1,4})?["']?[A-Za-z0-9_.\/\-]{0,32}(xmrig|minerd|cpuminer|xmr-stak|ccminer|cryptonight|stratum)/
        $k2 = /grep\s{1,4}(-v\s{1,4}grep\s{0,4}\|\s{0,4}grep\s{1,4})?["']?[A-Za-z0-9_.\/\-]{0,32}(xmrig|minerd|cpuminer|xmr-stak|ccminer|cryptonight|stratum)[^\n]{0,96}\bkill\b/

    condition:
        filesize < 2MB and (#k1 + #k2) >= 3
}
