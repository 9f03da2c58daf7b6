package store

import "github.com/usherhq/usher/pkg/validate"

// The single-table layout. Every key and list partition is built here.
//
//	PK               SK              what
//	USER#<id>        USER            a user (also listed in LP=USERS)
//	USER#<id>        LIST#ROLE       copy listed in LP=USERS#ROLE#<role>
//	USER#<id>        LIST#STATUS     copy listed in LP=USERS#STATUS#<status>
//	USER#<id>        LIST#RS         copy listed in LP=USERS#RS#<role>#<status>
//	USER#<id>        SEARCH#<p>      search entry in LP=USERS#PFX#<p> (p: 1–3 rune word prefix)
//	USER#<id>        APIKEY#<keyId>  API key metadata (hash of the secret in TOKEN#)
//	USER#<id>        SESSION#<id>    session metadata
//	USER#<id>        RESET#<id>      an outstanding password-reset token
//	LOGIN#<email>    LOGIN           failed-login count and lockout of an address
//	EMAIL#<email>    EMAIL           uniqueness guard for an address
//	TOKEN#<sha256>   TOKEN           what the authorizer reads: one GetItem per request
//	ADMINTOKENS      <id>            admin token metadata
//	COUNTERS         SHARD#<n>       exact counts, sharded to spread concurrent writes
//	COUNTERS         SUPERADMINS     active super_admins: guards last_super_admin
//
// Global secondary indexes share the list-partition attribute LP and sort by
// SC (createdAt#id: ByCreated), SE (email: ByEmail), SN (name#id: ByName) or
// EX (expiry: ByExpiry, for the cleanup job).
const (
	attrPK = "PK"
	attrSK = "SK"
	attrLP = "LP"
	attrSC = "SC"
	attrSE = "SE"
	attrSN = "SN"

	indexByCreated = "ByCreated"
	indexByEmail   = "ByEmail"
	indexByName    = "ByName"

	skUser        = "USER"
	skListRole    = "LIST#ROLE"
	skListStatus  = "LIST#STATUS"
	skListRS      = "LIST#RS"
	skSearch      = "SEARCH#"
	skAPIKey      = "APIKEY#"
	skSession     = "SESSION#"
	skReset       = "RESET#"
	skLogin       = "LOGIN"
	skEmail       = "EMAIL"
	skToken       = "TOKEN"
	pkAdminTokens = "ADMINTOKENS"
	pkCounters    = "COUNTERS"
	skSuperAdmins = "SUPERADMINS"
	counterShards = 4

	lpExpiresToken  = "EXPIRES#TOKEN"
	lpExpiresInvite = "EXPIRES#INVITE"
	lpExpiresIdem   = "EXPIRES#IDEM"
	indexByExpiry   = "ByExpiry"

	lpUsers = "USERS"

	// searchPrefixLen is how many leading runes of each word a user is indexed
	// under; longer query words are matched on their first runes and then
	// filtered exactly.
	searchPrefixLen = 3

	// maxSearchEntries bounds a user's (or workspace's) search entries so
	// that every change of it fits one transaction, whatever its name: words
	// come first to last (name, then email), so only the tail of a very long
	// name goes unindexed.
	maxSearchEntries = 30
)

// searchPrefixes are the index partitions of a name and email.
func searchPrefixes(words []string) []string {
	p := validate.Prefixes(words, searchPrefixLen)
	if len(p) > maxSearchEntries {
		p = p[:maxSearchEntries]
	}
	return p
}

func userPK(id string) string         { return "USER#" + id }
func emailPK(email string) string     { return "EMAIL#" + email }
func tokenPK(hash string) string      { return "TOKEN#" + hash }
func lpRole(role string) string       { return "USERS#ROLE#" + role }
func lpStatus(status string) string   { return "USERS#STATUS#" + status }
func lpRS(role, status string) string { return "USERS#RS#" + role + "#" + status }
func lpPrefix(p string) string        { return "USERS#PFX#" + p }
func counterSK(shard int) string      { return "SHARD#" + string(rune('0'+shard)) }

// userCounter names the counter attribute of users with a role and status.
func userCounter(role, status string) string { return "u_" + role + "_" + status }

func loginPK(email string) string { return "LOGIN#" + email }
