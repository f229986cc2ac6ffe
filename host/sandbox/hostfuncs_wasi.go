package sandbox

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// WASI errno values (wasi_snapshot_preview1).
const (
	wasiEBADF   = 8
	wasiENOTSUP = 58
)

// instantiateWASI defines wasi_snapshot_preview1 as wazero implements it,
// except for the functions that change the descriptor table: a guest has
// only stdin, stdout and stderr (no filesystem, no sockets), and they stay
// as the host made them. So an instance's WASI state is the same after
// every event, which lets an instance serve the next one (instance.go).
// Closing, renumbering or changing the flags of a standard stream answers
// ENOTSUP; any other descriptor is EBADF, as it is for wazero.
func instantiateWASI(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	refuse := func(fds int) api.GoModuleFunc {
		return func(_ context.Context, _ api.Module, stack []uint64) {
			errno := uint64(wasiENOTSUP)
			for _, fd := range stack[:fds] {
				if uint32(fd) > 2 {
					errno = wasiEBADF
				}
			}
			stack[0] = errno
		}
	}
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	for _, fn := range []struct {
		name   string
		params []api.ValueType
		fds    int // leading parameters that are descriptors
	}{
		{"fd_close", []api.ValueType{i32}, 1},
		{"fd_renumber", []api.ValueType{i32, i32}, 2},
		{"fd_fdstat_set_flags", []api.ValueType{i32, i32}, 1},
		{"fd_fdstat_set_rights", []api.ValueType{i32, i64, i64}, 1},
	} {
		b.NewFunctionBuilder().WithGoModuleFunction(refuse(fn.fds), fn.params, []api.ValueType{i32}).Export(fn.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}
