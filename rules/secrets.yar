// customs built-in rules: leaked secrets (category "secret").
//
// Every rule's strings cover the secret value itself, so customs can redact
// exactly the matched bytes in every output and log. A leaked credential is
// suspicious (it may be a test value; it must be rotated either way).
//
// Sources: ../shared/reference/contraband.md section 3.6 (private keys, AWS
// keys, GitHub/npm tokens, .env files; Sysdig 2022 counts), and each
// vendor's published token format (reference in each rule).

private rule customs_secret_is_executable
{
    condition:
        uint32(0) == 0x464C457F or
        uint16(0) == 0x5A4D or
        uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
        uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE
}

rule customs_secret_private_key_pem
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "PEM private key (PKCS#1, PKCS#8, SEC1, DSA or OpenSSH format)"
        reference = "https://www.rfc-editor.org/rfc/rfc7468"

    strings:
        // The key body must follow the header: binaries that only carry the
        // header text (ssh, gnutls) do not match. Public keys and
        // certificates have other labels.
        $pem = /-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\r?\n(Proc-Type: [^\r\n]{1,64}\r?\nDEK-Info: [^\r\n]{1,128}\r?\n\r?\n)?[A-Za-z0-9+\/=]{40,76}/

    condition:
        // Executables are left out: libraries ship self-test keys (Debian's
        // libgnutls carries RSA, DSA, EC and GOST test keys).
        window_offset == 0 and not customs_secret_is_executable and $pem
}

rule customs_secret_private_key_pgp
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "OpenPGP private key block"
        reference = "https://www.rfc-editor.org/rfc/rfc4880#section-6.2"

    strings:
        $pgp = /-----BEGIN PGP PRIVATE KEY BLOCK-----\r?\n([A-Za-z][A-Za-z\-]{0,31}: [^\r\n]{0,128}\r?\n){0,8}\r?\n[A-Za-z0-9+\/=]{40,76}/

    condition:
        window_offset == 0 and not customs_secret_is_executable and $pgp
}

rule customs_secret_private_key_putty
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "PuTTY private key file (.ppk)"
        reference = "https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html"

    strings:
        $head = /PuTTY-User-Key-File-[23]: /
        $priv = /Private-Lines: [0-9]{1,4}\r?\n[A-Za-z0-9+\/=]{40,76}/

    condition:
        filesize < 64KB and $head at 0 and $priv
}

rule customs_secret_aws_access_key_pair
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "AWS access key id together with a secret access key"
        reference = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids"

    strings:
        $id = /\b(AKIA|ASIA)[A-Z2-7]{16}\b/
        $secret = /(aws_secret_access_key|aws_secret_key|secret_access_key|secretaccesskey|aws_secret)["']?\s{0,4}[:=]\s{0,4}["']?[A-Za-z0-9\/+]{40}\b/ nocase
        // The placeholder pair of the AWS documentation.
        $example_id = /\b(AKIA|ASIA)[A-Z2-7]{9}EXAMPLE\b/
        $example_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" ascii

    condition:
        filesize < 8MB and
        #id > #example_id and #secret > #example_secret
}

rule customs_secret_aws_access_key_id
{
    meta:
        category = "secret"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = "AWS access key id (long-term AKIA or temporary ASIA)"
        reference = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids"

    strings:
        $id = /\b(AKIA|ASIA)[A-Z2-7]{16}\b/
        $example_id = /\b(AKIA|ASIA)[A-Z2-7]{9}EXAMPLE\b/

    condition:
        #id > #example_id
}

rule customs_secret_gcp_service_account_key
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "Google Cloud service account key file (JSON with private_key)"
        reference = "https://cloud.google.com/iam/docs/keys-create-delete"

    strings:
        $type = /"type"\s{0,4}:\s{0,4}"service_account"/
        $key = /"private_key"\s{0,4}:\s{0,4}"-----BEGIN (RSA )?PRIVATE KEY-----\\n[A-Za-z0-9+\/=]{40,76}/

    condition:
        filesize < 1MB and $type and $key
}

rule customs_secret_azure_storage_key
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "Azure storage account key in a connection string (AccountKey=...)"
        reference = "https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string"

    strings:
        $key = /AccountKey=[A-Za-z0-9+\/]{86}==/
        // The well-known key of the local storage emulator (Azurite).
        $emulator = "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==" ascii

    condition:
        #key > #emulator
}

rule customs_secret_azure_client_secret
{
    meta:
        category = "secret"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = "Microsoft Entra (Azure AD) application client secret"
        reference = "https://learn.microsoft.com/en-us/purview/sit-defn-azure-ad-client-secret"

    strings:
        $secret = /(client_?secret|app_?secret|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET)["']?\s{0,4}[:=]\s{0,4}["']?[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}/ nocase

    condition:
        $secret
}

rule customs_secret_github_token
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "GitHub token (personal, OAuth, user-to-server, server-to-server, refresh or fine-grained)"
        reference = "https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/"

    strings:
        $classic = /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b/
        $fine = /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b/

    condition:
        any of them
}

rule customs_secret_gitlab_token
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "GitLab personal access token"
        reference = "https://docs.gitlab.com/ee/security/token_overview.html"

    strings:
        $pat = /\bglpat-[A-Za-z0-9_\-]{20,64}/

    condition:
        $pat
}

rule customs_secret_slack_token
{
    meta:
        category = "secret"
        severity = "high"
        disposition = "suspicious"
        confidence = "high"
        description = "Slack API token or incoming webhook URL"
        reference = "https://api.slack.com/authentication/token-types"

    strings:
        $token = /\b(xoxb|xoxp|xoxa|xoxr|xoxs)-[0-9]{6,16}-[0-9A-Za-z][0-9A-Za-z\-]{14,255}/
        $webhook = /hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24}/

    condition:
        any of them
}

rule customs_secret_stripe_key
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "Stripe live secret or restricted API key"
        reference = "https://stripe.com/docs/keys"

    strings:
        $key = /\b(sk|rk)_live_[0-9A-Za-z]{24,247}/

    condition:
        $key
}

rule customs_secret_npm_token
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "npm access token"
        reference = "https://github.blog/2021-09-23-announcing-npms-new-access-token-format/"

    strings:
        $token = /\bnpm_[A-Za-z0-9]{36}\b/

    condition:
        $token
}

rule customs_secret_npmrc_auth
{
    meta:
        category = "secret"
        severity = "critical"
        disposition = "suspicious"
        confidence = "high"
        description = "npm registry credentials in an .npmrc file (_authToken, _auth or _password)"
        reference = "https://docs.npmjs.com/cli/v10/configuring-npm/npmrc"

    strings:
        // Values that reference an environment variable (${NPM_TOKEN}) do
        // not match.
        $token = /_authToken\s{0,4}=\s{0,4}["']?[A-Za-z0-9_.+\/=\-]{16,512}/
        $auth = /_auth\s{0,4}=\s{0,4}["']?[A-Za-z0-9+\/=]{12,512}/
        $password = /_password\s{0,4}=\s{0,4}["']?[A-Za-z0-9+\/=]{8,512}/

    condition:
        (filename == ".npmrc" or filename == "npmrc") and any of them
}

rule customs_secret_dotenv
{
    meta:
        category = "secret"
        severity = "high"
        disposition = "suspicious"
        confidence = "medium"
        description = ".env file assigning a value to a credential-like variable (PASSWORD, SECRET, TOKEN, API_KEY, ...)"
        reference = "https://arxiv.org/abs/2307.03958"

    strings:
        $assign = /(^|\n)[ \t]{0,8}(export[ \t]{1,4})?[A-Za-z0-9_]{0,64}(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS)[A-Za-z0-9_]{0,64}[ \t]{0,4}=[ \t]{0,4}["']?[A-Za-z0-9+\/_.:@!%^&*\-]{8,512}/ nocase

    condition:
        filesize < 1MB and
        filename matches /^\.env(\.(local|prod|production|dev|development|stage|staging|test|ci))?$/ and
        $assign
}
