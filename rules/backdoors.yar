// customs built-in rules: backdoors and persistence (category "backdoor").
//
// Reverse-shell one-liners and cron jobs that fetch and run code are
// malicious. Weaker signs (a binary that knows /etc/ld.so.preload, an xz
// release known to have shipped a backdoor) are suspicious.
//
// Sources: ../shared/reference/contraband.md sections 3.3 (reverse-shell
// one-liners, the Falco "Reverse Shell" and "Netcat Remote Code Execution"
// conditions) and 3.5 (ld.so.preload, cron, xz), section 1.2 (the
// docker123321 cron line `curl -s http://.../logo3.jpg | bash -s`), and the
// xz-utils advisory (CVE-2024-3094, openwall oss-security 2024-03-29).

// ------------------------------------------------------- reverse shells

rule customs_backdoor_reverse_shell_dev_tcp
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Reverse shell through bash's /dev/tcp (interactive shell with stdin/stdout on a socket)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        $interactive = /\b(ba|z|k)?sh\s{1,4}-i\s{0,4}[0-9]?[<>]&?\s{0,4}\/dev\/(tcp|udp)\/[A-Za-z0-9.\-_${}]{1,255}\/[0-9${}A-Za-z_]{1,16}/
        $fd = /\bexec\s{1,4}[0-9]{1,3}<>\s{0,4}\/dev\/(tcp|udp)\/[A-Za-z0-9.\-_${}]{1,255}\/[0-9${}A-Za-z_]{1,16}[^\n]{0,200}\b(ba|z|k)?sh\b[^\n]{0,40}<&\s{0,2}[0-9]{1,3}/
        $redir = /\/dev\/(tcp|udp)\/[A-Za-z0-9.\-_${}]{1,255}\/[0-9${}A-Za-z_]{1,16}\s{0,4}0>&1/

    condition:
        any of them
}

rule customs_backdoor_reverse_shell_netcat
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Netcat/ncat reverse or bind shell (a shell given to nc with -e/-c or --exec, a FIFO piped through nc, telnet pipes)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco_rules.yaml"

    strings:
        $nc_e = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?(\s[^\n|;&]{0,128})?\s-[ec]\s{0,4}["']?(\/usr)?\/bin\/(ba|da|z|k)?sh\b/
        $ncat_exec = /\bncat\s[^\n|;&]{0,128}--(sh-exec|exec)\s{0,4}[= ]\s{0,4}["']?((\/usr)?\/bin\/)?(ba|da|z|k)?sh\b/
        $fifo = /\bmkfifo\s{1,4}[^\n]{1,200}\|\s{0,4}((\/usr)?\/bin\/)?(ba|da|z|k)?sh\s{1,4}-i[^\n]{0,100}\|\s{0,4}(nc|ncat|netcat|openssl\s{1,4}s_client)\s/
        $mknod = /\bmknod\s{1,4}[^\s]{1,64}\s{1,4}p\s{0,4}(;|&&)[^\n]{0,64}\b(ba|da|z|k)?sh\b[^\n]{0,128}\|\s{0,4}(nc|ncat|netcat|telnet)\s/
        $telnet = /\btelnet\s[^\n|]{1,80}\|\s{0,4}((\/usr)?\/bin\/)?(ba|da|z|k)?sh\s{0,4}\|\s{0,4}telnet\s/

    condition:
        any of them
}

rule customs_backdoor_reverse_shell_python
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Python reverse shell (socket connect, dup2 of the socket onto stdin/stdout, shell)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        $dup = /os\.dup2\(\s{0,4}[A-Za-z_][A-Za-z0-9_]{0,20}\.fileno\(\)\s{0,4},\s{0,4}[0-2]\s{0,4}\)/
        $connect = /\.connect\(\(\s{0,4}["'][^"'\n]{1,255}["']\s{0,4},\s{0,4}[0-9]{1,5}\s{0,4}\)\)/
        $sh1 = /["'](\/usr)?\/bin\/(ba|da|z|k)?sh["']/
        $sh2 = "pty.spawn(" ascii

    condition:
        filesize < 4MB and #dup >= 2 and $connect and any of ($sh*)
}

rule customs_backdoor_reverse_shell_perl
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Perl reverse shell (socket connect, STDIN/STDOUT reopened on the socket, exec of a shell)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        $in = /open\(\s{0,4}STDIN\s{0,4},\s{0,4}["']>&[A-Za-z_]{1,16}["']\s{0,4}\)/
        $out = /open\(\s{0,4}STDOUT\s{0,4},\s{0,4}["']>&[A-Za-z_]{1,16}["']\s{0,4}\)/
        $connect = /connect\(\s{0,4}[A-Za-z_$]{1,16}\s{0,4},\s{0,4}sockaddr_in\(/
        $exec = /exec\(?\s{0,4}["'](\/usr)?\/bin\/(ba|da|z|k)?sh/

    condition:
        filesize < 4MB and all of them
}

rule customs_backdoor_reverse_shell_other
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Reverse shell one-liner (ruby/php socket with shell on the descriptor, socat exec)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-sandbox_rules.yaml"

    strings:
        // An interactive shell with stdin, stdout and stderr on one
        // descriptor: the ruby TCPSocket and php fsockopen one-liners.
        $fdsh = /\bsh\s{1,4}-i\s{0,4}<&\s{0,2}(%d|[0-9]{1,3})\s{0,4}>&\s{0,2}(%d|[0-9]{1,3})\s{0,4}2>&\s{0,2}(%d|[0-9]{1,3})/
        $ruby = /TCPSocket\.(open|new)\([^\n]{1,128}\b(exec|spawn|system)\b[^\n]{0,64}(\/bin\/)?(ba|z)?sh\b/
        $php = /fsockopen\([^\n]{1,128}\b(exec|shell_exec|system|passthru|popen|proc_open)\(\s{0,4}["'](\/usr)?\/bin\/(ba|da|z|k)?sh/
        $socat = /\bsocat\s[^\n]{0,128}\b(tcp|tcp4|tcp6|openssl|TCP|TCP4|TCP6|OPENSSL)(-connect|-CONNECT)?:[^\s:]{1,255}:[0-9]{1,5}[^\n]{0,128}\b(exec|system|EXEC|SYSTEM):["']?((\/usr)?\/bin\/)?(ba|da|z|k)?sh/

    condition:
        any of them
}

// ------------------------------------------------------------------- cron

private rule customs_backdoor_is_cron_file
{
    condition:
        filepath == "etc/crontab" or
        filepath matches /^etc\/cron\.(d|hourly|daily|weekly|monthly)\/[^\/]+$/ or
        filepath matches /^var\/spool\/cron\/(crontabs\/)?[^\/]+$/ or
        filepath matches /^etc\/crontabs\/[^\/]+$/
}

rule customs_backdoor_cron_fetch_and_run
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Cron job that downloads code and pipes it into a shell (or decodes and runs it)"
        reference = "https://sysdig.com/blog/detecting-cryptojacking/"

    strings:
        $pipe = /\b(curl|wget|fetch|busybox\s{1,4}wget|python[0-9.]{0,4}\s{1,4}-c)\s[^\n]{1,512}\|\s{0,4}(sudo\s{1,4})?((\/usr)?\/bin\/)?(ba|da|z|k)?sh\b/
        $subst = /\b(ba|da|z|k)?sh\s{1,4}-c\s{1,4}["']?\$\(\s{0,4}(curl|wget)\s/
        $b64 = /base64\s{1,4}(-d|--decode)[^\n|]{0,256}\|\s{0,4}((\/usr)?\/bin\/)?(ba|da|z|k)?sh\b/
        $dlrun = /\b(curl|wget)\s[^\n]{1,512}(-o|-O|--output)\s{0,4}["']?(\/tmp|\/var\/tmp|\/dev\/shm)\/[^\n]{1,256}(&&|;)\s{0,4}(chmod\s{1,4}\+?[0-7x]{1,4}\s|(ba|da|z|k)?sh\s)/

    condition:
        customs_backdoor_is_cron_file and any of them
}

rule customs_backdoor_cron_shell
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Cron job that opens a network shell (/dev/tcp, nc -e, socat exec)"
        reference = "https://github.com/falcosecurity/rules/blob/main/rules/falco-incubating_rules.yaml"

    strings:
        $devtcp = /\/dev\/(tcp|udp)\/[A-Za-z0-9.\-_${}]{1,255}\/[0-9${}A-Za-z_]{1,16}/
        $nc = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?(\s[^\n]{0,128})?\s(-[ec]|--exec|--sh-exec)\s/
        $socat = /\bsocat\s[^\n]{0,128}\b(exec|system|EXEC|SYSTEM):/

    condition:
        customs_backdoor_is_cron_file and any of them
}

// ------------------------------------------------------------- preloading

rule customs_backdoor_ld_so_preload_reference
{
    meta:
        category = "backdoor"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = "Binary that references the ld.so.preload file and is not the dynamic loader (userland rootkit sign)"
        reference = "https://github.com/chainguard-dev/malcontent/blob/main/rules/evasion/hijack_execution/etc-ld.so.preload.yara"

    strings:
        $preload = /\/etc\/ld\.so\.preload/
        // Strings of glibc's ld.so, which legitimately reads the file.
        $ld1 = "LD_SHOW_AUXV" ascii
        $ld2 = "LD_AUDIT" ascii
        $ld3 = /ld\.so\.cache/
        $ld4 = "LD_LIBRARY_PATH" ascii
        // HotSpot's libjvm prints the file into its crash reports.
        $jvm = "hs_err_pid" ascii

    condition:
        window_offset == 0 and filesize < 16MB and uint32(0) == 0x464C457F and
        $preload and not $ld1 and not ($ld2 and $ld3 and $ld4) and not $jvm
}

rule customs_backdoor_ld_so_preload_write
{
    meta:
        category = "backdoor"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = "Script that writes a library into the ld.so.preload file"
        reference = "https://attack.mitre.org/techniques/T1574/006/"

    strings:
        $echo = /\b(echo|printf)\s[^\n]{1,256}>>?\s{0,4}["']?\/etc\/ld\.so\.preload/
        $tee = /\btee\s{1,4}(-a\s{1,4})?["']?\/etc\/ld\.so\.preload/

    condition:
        filesize < 4MB and any of them
}

// --------------------------------------------------------------------- xz

rule customs_backdoor_xz_liblzma_version
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "suspicious"
        confidence = "medium"
        description = "liblzma 5.6.0 or 5.6.1, the xz-utils releases that shipped the CVE-2024-3094 backdoor"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"

    condition:
        filename matches /^liblzma\.so\.5\.6\.[01]$/
}

rule customs_backdoor_xz_liblzma_code
{
    meta:
        category = "backdoor"
        severity = "critical"
        disposition = "malicious"
        confidence = "high"
        description = "Backdoored liblzma code (CVE-2024-3094 function signature)"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"

    strings:
        $sig = { F3 0F 1E FA 55 48 89 F5 4C 89 CE 53 89 FB 81 E7 00 00 00 80 48 83 EC 28 48 89 54 24 18 48 89 4C 24 10 }

    condition:
        $sig
}
