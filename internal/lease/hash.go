package lease

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// Seed is the 4-byte ipv4_seed that sec-mod hands to main with a session:
// the start of the address walk for both IPv4 and IPv6.
type Seed [4]byte

// PredictableSeed returns the seed ocserv uses with predictable-ips = true:
// Bob Jenkins' lookup3 hashlittle of the user name with initial value 0,
// stored little-endian (ocserv copies a host-order uint32 on x86).
func PredictableSeed(username string) Seed {
	var s Seed
	binary.LittleEndian.PutUint32(s[:], HashLittle([]byte(username), 0))
	return s
}

// RandomSeed returns a random seed, as ocserv does with
// predictable-ips = false.
func RandomSeed() Seed {
	var s Seed
	_, _ = rand.Read(s[:]) // crypto/rand.Read never fails on Linux
	return s
}

// HashLittle is lookup3's hashlittle() (Bob Jenkins, 2006, public domain)
// over key with the given initial value, as ccan's hash_any computes it on
// a little-endian machine.
func HashLittle(key []byte, initval uint32) uint32 {
	a := 0xdeadbeef + uint32(len(key)) + initval
	b, c := a, a
	for len(key) > 12 {
		a += binary.LittleEndian.Uint32(key[0:])
		b += binary.LittleEndian.Uint32(key[4:])
		c += binary.LittleEndian.Uint32(key[8:])
		a, b, c = mix(a, b, c)
		key = key[12:]
	}
	if len(key) == 0 {
		return c
	}
	// The last block, zero-padded, added little-endian to a, b and c.
	var tail [12]byte
	copy(tail[:], key)
	a += binary.LittleEndian.Uint32(tail[0:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	return final(a, b, c)
}

func mix(a, b, c uint32) (uint32, uint32, uint32) {
	a -= c
	a ^= bits.RotateLeft32(c, 4)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 6)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 8)
	b += a
	a -= c
	a ^= bits.RotateLeft32(c, 16)
	c += b
	b -= a
	b ^= bits.RotateLeft32(a, 19)
	a += c
	c -= b
	c ^= bits.RotateLeft32(b, 4)
	b += a
	return a, b, c
}

func final(a, b, c uint32) uint32 {
	c ^= b
	c -= bits.RotateLeft32(b, 14)
	a ^= c
	a -= bits.RotateLeft32(c, 11)
	b ^= a
	b -= bits.RotateLeft32(a, 25)
	c ^= b
	c -= bits.RotateLeft32(b, 16)
	a ^= c
	a -= bits.RotateLeft32(c, 4)
	b ^= a
	b -= bits.RotateLeft32(a, 14)
	c ^= b
	c -= bits.RotateLeft32(b, 24)
	return c
}
