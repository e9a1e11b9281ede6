package passwd

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// Reference hashes of "s3cret!" made by libxcrypt 4.4.33 (Python's crypt
// module on this machine).
var refHashes = []struct {
	name string
	hash string
	goOK bool // handled by the pure-Go path
}{
	{"md5", "$1$saltsalt$VOPYKze.9bvLD0G4Fpa.K.", true},
	{"sha256", "$5$saltsaltsaltsalt$Trgp7zxUWvpj9OJSh985OtEx78PzpittxFFW38DqPE6", true},
	{"sha512", "$6$saltsaltsaltsalt$BaLW6TLOg6rhxooMW5mNPFOl4P6hJKN.hWb/2zLyUq4ytHLIjWLEbnGwvODJeNGPJ5yj2S4lsdloHBbhVgkpO/", true},
	{"sha256-rounds", "$5$rounds=1000$abc$JocR9fDoHWa6BGT7m.n0APs881CZQNtp7v1qA4AdnEC", true},
	{"sha512-rounds", "$6$rounds=10000$xyz./$waNSEBuje9oKCzJbxiL2GtOx7Hkf8CMRYsBKxcr9sIeSqlZl4BdlhuT.uX0rXjXH.fcsJn1jcBkl54tEMbYP60", true},
	{"bcrypt-2b", "$2b$05$abcdefghijklmnopqrstuulXbhLU5N9MDcFlG1r2Raysvz.c5v0j2", true},
	{"bcrypt-2y", "$2y$05$abcdefghijklmnopqrstuulXbhLU5N9MDcFlG1r2Raysvz.c5v0j2", true},
	{"bcrypt-2a", "$2a$05$abcdefghijklmnopqrstuulXbhLU5N9MDcFlG1r2Raysvz.c5v0j2", true},
	{"des", "abGaYwuak.pMg", false},
	{"bsdi-des", "_J9..abcdyd2UHVe0m9k", false},
	{"yescrypt", "$y$j9T$abcdefghijklmnop$MVzjwasll7m8Q8TivCSBaR63G1sExtbxzM1CeZhme94", false},
	{"gost-yescrypt", "$gy$j9T$abcdefghijklmnop$IlZekczXMjwIlA5KUCLS/EIQB0141Ecqs6AAQY7a4q5", false},
	{"sha1crypt", "$sha1$1000$abcdefgh$EB/UWXw/BgvIASXHRMD.qR2w.q2S", false},
}

func TestVerifyReferenceHashes(t *testing.T) {
	for _, tc := range refHashes {
		t.Run(tc.name, func(t *testing.T) {
			_, goOK := goCrypt("s3cret!", tc.hash)
			if goOK != tc.goOK {
				t.Errorf("pure-Go path used = %v, want %v", goOK, tc.goOK)
			}
			if !tc.goOK && !haveLibcCrypt {
				ok, err := Check(tc.hash, "s3cret!")
				if ok || !errors.Is(err, ErrUnsupportedHash) {
					t.Errorf("without cgo: Check = %v, %v; want false, ErrUnsupportedHash", ok, err)
				}
				return
			}
			cases := []struct {
				hash, pw string
				want     bool
			}{
				{tc.hash, "s3cret!", true},
				{tc.hash, "s3cret", false},
				{tc.hash, "s3cret!!", false},
				{tc.hash, "", false},
				{tc.hash, "s3cret!\x00ignored", true}, // C string
				{"!" + tc.hash, "s3cret!", false},     // locked
				{tc.hash + "x", "s3cret!", false},     // trailing garbage
			}
			for _, c := range cases {
				ok, err := Check(c.hash, c.pw)
				if !haveLibcCrypt && !c.want && errors.Is(err, ErrUnsupportedHash) {
					// Non-canonical settings need libc; without cgo they are
					// refused with an error, never accepted.
					continue
				}
				if err != nil || ok != c.want {
					t.Errorf("Check(%q, %q) = %v, %v; want %v", c.hash, c.pw, ok, err, c.want)
				}
				if Verify(c.hash, c.pw) != c.want {
					t.Errorf("Verify(%q, %q) != %v", c.hash, c.pw, c.want)
				}
			}
		})
	}
}

func TestVerifyEmptyAndJunk(t *testing.T) {
	for _, h := range []string{"", "!", "*", "!!", "x", "$5$", "$5$$", "$1$$", "$2b$", "*0", "*1"} {
		if Verify(h, "") || Verify(h, "x") || Verify(h, h) {
			t.Errorf("Verify(%q, ...) matched", h)
		}
	}
}

// TestBcrypt8bit: $2a$ and $2b$ give the same hash for this non-ASCII
// password in libxcrypt; $2a$ with such passwords is left to libc.
func TestBcrypt8bit(t *testing.T) {
	const pw = "héllo€"
	h2b := "$2b$05$abcdefghijklmnopqrstuueemfUxiPI9FDKa2z1PSmKMRO2jcSIpK"
	if !Verify(h2b, pw) || Verify(h2b, "hello") {
		t.Errorf("$2b$ with 8-bit password")
	}
	h2a := "$2a$05$abcdefghijklmnopqrstuueemfUxiPI9FDKa2z1PSmKMRO2jcSIpK"
	if _, ok := goCrypt(pw, h2a); ok {
		t.Errorf("$2a$ with 8-bit password must go to libc")
	}
	if haveLibcCrypt && !Verify(h2a, pw) {
		t.Errorf("$2a$ with 8-bit password via libc")
	}
}

func TestHashFormat(t *testing.T) {
	re := regexp.MustCompile(`^\$5\$[0-9a-zA-Z./]{16}\$[0-9a-zA-Z./]{43}$`)
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		h, err := Hash("pw" + strings.Repeat("x", i))
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(h) {
			t.Fatalf("Hash = %q, bad format", h)
		}
		if seen[h[3:19]] {
			t.Fatalf("salt repeated: %q", h)
		}
		seen[h[3:19]] = true
		if !Verify(h, "pw"+strings.Repeat("x", i)) || Verify(h, "pw") && i > 0 {
			t.Fatalf("Verify(Hash) failed for %q", h)
		}
	}
}

// TestHashWithSaltMatchesLibc: fixed salts against values made by libc.
func TestHashWithSaltMatchesLibc(t *testing.T) {
	if got, want := hashWithSalt("s3cret!", "saltsaltsaltsalt"), refHashes[1].hash; got != want {
		t.Errorf("hashWithSalt = %q, want %q", got, want)
	}
	if got := hashWithSalt("s3cret!\x00tail", "saltsaltsaltsalt"); got != refHashes[1].hash {
		t.Errorf("password not cut at NUL: %q", got)
	}
	if !haveLibcCrypt {
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 30; i++ {
		salt := randString(r, saltAlphabet, 16)
		pw := randString(r, "abcXYZ019 !:\xc3\xa9\xff", r.IntN(40))
		want, _ := libcCrypt(pw, "$5$"+salt+"$")
		if got := hashWithSalt(pw, salt); got != want {
			t.Errorf("hashWithSalt(%q, %q) = %q, libc %q", pw, salt, got, want)
		}
	}
}

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// TestGoCryptMatchesLibc is a differential test of the pure-Go path against
// libxcrypt: for settings the Go path accepts (including ones built to be
// odd), its output must equal crypt_r's; and Check must agree with
// "crypt_r(pw, hash) == hash" for every mutated hash.
func TestGoCryptMatchesLibc(t *testing.T) {
	if !haveLibcCrypt {
		t.Skip("needs cgo (libxcrypt) as the oracle")
	}
	r := rand.New(rand.NewPCG(3, 4))
	passwords := []string{"", "a", "s3cret!", "pässwörd", strings.Repeat("long", 30), "\xff\x80\x01"}
	prefixes := []string{"$1$", "$5$", "$6$", "$5$rounds=1000$", "$6$rounds=1001$", "$5$rounds=999$",
		"$5$rounds=01000$", "$6$rounds=1000000000$", "$5$rounds=$", "$5$rounds=abc$"}
	for i := 0; i < 60; i++ {
		pw := passwords[r.IntN(len(passwords))]
		prefix := prefixes[r.IntN(len(prefixes))]
		salt := randString(r, saltAlphabet+"$*:", r.IntN(20))
		setting := prefix + salt + "$"
		ref, _ := libcCrypt(pw, setting)
		checkAgainstLibc(t, pw, ref)
		// Mutations of a valid hash.
		if len(ref) > 5 {
			checkAgainstLibc(t, pw, ref[:len(ref)-1])
			checkAgainstLibc(t, pw, ref+"A")
			j := r.IntN(len(ref))
			checkAgainstLibc(t, pw, ref[:j]+"/"+ref[j+1:])
		}
	}
	for _, v := range []string{"$2a$", "$2b$", "$2y$"} {
		for _, pw := range passwords {
			salt := randString(r, saltAlphabet, 22)
			ref, _ := libcCrypt(pw, v+"04$"+salt)
			checkAgainstLibc(t, pw, ref)
			checkAgainstLibc(t, pw, v+"04$"+salt+ref[29:]) // salt with unused bits
		}
	}
}

func checkAgainstLibc(t *testing.T, pw, hash string) {
	t.Helper()
	libOut, _ := libcCrypt(pw, hash)
	if out, ok := goCrypt(pw, hash); ok && out != libOut {
		t.Errorf("goCrypt(%q, %q) = %q, libc %q", pw, hash, out, libOut)
	}
	want := hash != "" && hash[0] != '!' && libOut == hash
	if got, err := Check(hash, pw); err != nil || got != want {
		t.Errorf("Check(%q, %q) = %v, %v; libc says %v", hash, pw, got, err, want)
	}
}
