module github.com/ocserv-go/ocserv

go 1.26.0

require (
	github.com/go-crypt/crypt v0.14.15 // indirect
	github.com/go-crypt/x v0.4.16 // indirect
	github.com/spf13/pflag v1.1.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/term v0.48.0 // indirect
)
