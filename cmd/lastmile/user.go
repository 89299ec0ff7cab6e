package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"lastmile/internal/auth"
	"lastmile/internal/postgres"
)

// user runs `lastmile user add EMAIL`: the operator makes an account, as on a server
// whose sign-up is closed. The password is read from standard input with -password-stdin,
// or else made up and printed once; its owner can change it on the account page.
func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: lastmile user add [-password-stdin] EMAIL")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: lastmile user add [-password-stdin] EMAIL")
	}
	email := auth.NormalizeEmail(fs.Arg(0))
	if !auth.ValidEmail(email) {
		return fmt.Errorf("%q is not a valid e-mail address", fs.Arg(0))
	}
	password, made := "", false
	if *fromStdin {
		line, err := bufio.NewReader(m.stdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		b := make([]byte, 15)
		_, _ = rand.Read(b)
		password, made = base64.RawURLEncoding.EncodeToString(b), true
	}
	if n := len([]rune(password)); n < auth.MinPasswordLen || len(password) > auth.MaxPasswordLen {
		return fmt.Errorf("the password must be %d to %d characters long", auth.MinPasswordLen, auth.MaxPasswordLen)
	}
	dsn := m.Getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	if err := m.checkSchema(dsn, false); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	u, err := postgres.NewStore(pool).CreateUser(ctx, email, (&auth.Hasher{}).Hash(password))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "account %s made for %s\n", u.ID, u.Email)
	if made {
		fmt.Fprintf(m.Stdout, "password: %s\n(shown once: give it to its owner, who can change it on the account page)\n", password)
	}
	return nil
}

func (m *Main) stdin() io.Reader {
	if m.Stdin != nil {
		return m.Stdin
	}
	return os.Stdin
}

// memoryLimit returns the memory the process may use, in bytes: the smallest of its Go
// memory limit (GOMEMLIMIT), its control group's limit and the machine's memory.
func memoryLimit() int64 {
	limit := debug.SetMemoryLimit(-1) // reads the limit; math.MaxInt64 when there is none
	if data, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			limit = min(limit, n)
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					limit = min(limit, kb*1024)
				}
			}
		}
	}
	if limit == math.MaxInt64 {
		return 4 << 30 // nothing told: a small server
	}
	return limit
}
