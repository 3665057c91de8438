CREATE TABLE "watch_requests" (
	"id" text collate "C" PRIMARY KEY NOT NULL,
	"child_id" text collate "C" NOT NULL,
	"title_id" text collate "C" NOT NULL,
	"note" text collate "C",
	"status" text collate "C" NOT NULL,
	"reason" text collate "C",
	"allowed_until" text collate "C",
	"expires_at" text collate "C" NOT NULL,
	"created_at" text collate "C" NOT NULL,
	"decided_at" text collate "C"
);
--> statement-breakpoint
ALTER TABLE "watch_requests" ADD CONSTRAINT "watch_requests_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watch_requests" ADD CONSTRAINT "watch_requests_title_id_titles_id_fk" FOREIGN KEY ("title_id") REFERENCES "titles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "watch_requests_child_idx" ON "watch_requests" USING btree ("child_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "watch_requests_pending_once" ON "watch_requests" USING btree ("child_id","title_id") WHERE status = 'pending';