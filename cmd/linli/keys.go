package main

import (
	"context"
	"fmt"

	"github.com/linli-org/linli/internal/config"
	"github.com/linli-org/linli/internal/seal"
)

func cmdKeys(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(e.stderr, "Usage: linli keys rotate [flags]")
		return 2
	}
	cfg := config.Defaults()
	fs := newFlagSet(e, "keys rotate [flags]", "Add a new active sealing key to the key file (old keys stay, so old data still opens),\nthen re-encrypt every sealed value with it. The blind-index key does not change.")
	cfg.RegisterStore(fs, e.getenv)
	if code, ok := parse(fs, e, args[1:]); !ok {
		return code
	}
	keys, err := seal.LoadKeyFile(cfg.KeyFile)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	s := openPlain(ctx, e, cfg)
	if s == nil {
		return 1
	}
	defer s.Close()
	id := keys.Rotate()
	// Save first: if re-encryption stops halfway, both keys are on disk.
	if err := keys.Save(cfg.KeyFile); err != nil {
		fmt.Fprintf(e.stderr, "linli: %v\n", err)
		return 1
	}
	n, err := s.Reseal(ctx, keys.ResealField)
	if err != nil {
		fmt.Fprintf(e.stderr, "linli: re-encrypting: %v (the new key is saved; run the command again to finish)\n", err)
		return 1
	}
	fmt.Fprintf(e.stdout, "new active key %s; re-encrypted %d value(s)\n", id, n)
	return 0
}
