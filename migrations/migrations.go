// Package migrations embeds the numbered SQL migrations of the lastmile schema.
package migrations

import "embed"

// FS holds the migration files, named NNNNNN_name.up.sql and NNNNNN_name.down.sql.
//
//go:embed *.sql
var FS embed.FS
