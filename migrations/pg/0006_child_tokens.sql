ALTER TABLE "tokens" ADD COLUMN "child_id" text collate "C";--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_child_id_children_id_fk" FOREIGN KEY ("child_id") REFERENCES "children"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tokens_child_idx" ON "tokens" USING btree ("child_id");