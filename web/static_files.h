// Static UI files: safe path resolution and content types.
//
// Thread-safety: pure functions (they read the file system).
#ifndef CUSTOS_WEB_STATIC_FILES_H_
#define CUSTOS_WEB_STATIC_FILES_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace custos::web {

// Maps a decoded URL path ("/", "/js/app.js") to a regular file under `root`.
// "/" and paths ending in "/" map to index.html. SECURITY: refuses (kNotFound,
// so nothing is revealed) any path with a "." or ".." segment, a backslash,
// a NUL or other control character, or that resolves — after following
// symlinks — outside `root`; refuses hidden files and anything that is not a
// regular file with a known type.
Result<std::string> ResolveStaticPath(const std::string& root, std::string_view url_path);

// "text/html; charset=utf-8" etc. by extension; empty for unknown types.
std::string_view ContentTypeFor(std::string_view file_path);

// The UI folder to use when none is configured: $CUSTOS_UI_DIR, the ui
// folder of the package this binary was installed with (PREFIX/bin/custos →
// PREFIX/share/custos/ui), the source tree's web/ui (compiled in), or the
// configured install prefix's share/custos/ui — the first that exists; ""
// if none does.
std::string DefaultUiDir();

// Where shipped data (contract templates, wage tables) lives: $CUSTOS_HOME,
// else the share folder of the package this binary was installed with
// (PREFIX/share/custos, when it holds contract-templates), else the source
// tree this binary was built from.
std::string ShareDir();

}  // namespace custos::web

#endif  // CUSTOS_WEB_STATIC_FILES_H_
