ALTER TABLE "titles" ADD COLUMN "parent_id" text collate "C";--> statement-breakpoint
ALTER TABLE "titles" ADD COLUMN "season_number" integer;--> statement-breakpoint
ALTER TABLE "titles" ADD COLUMN "episode_number" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "titles_place_once" ON "titles" USING btree ("parent_id",coalesce("season_number", -1),coalesce("episode_number", -1));