// GET /healthz (public) and GET /metrics (admin).
#include "web/internal/app.h"

namespace custos::web::internal {

void RegisterOpsRoutes(App& app) {
  app.router.Add(Route::Public("GET", "/healthz", [](const HttpRequest&, const RequestContext&) {
    json::Value v = json::Value::MakeObject();
    v["status"] = "ok";
    return HttpResponse::Json(v);
  }));
  app.router.Add(Route::ForRoles("GET", "/metrics", {policy::Role::kAdmin},
                                 [&app](const HttpRequest&, const RequestContext&) {
                                   HttpResponse r;
                                   r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                                   r.body = app.metrics.Render(app.vault.commit_stats());
                                   return r;
                                 }));
}

}  // namespace custos::web::internal
