CREATE TABLE "title_index_snapshots" (
	"generation" text collate "C" NOT NULL,
	"part" integer NOT NULL,
	"parts" integer NOT NULL,
	"fingerprint" text collate "C" NOT NULL,
	"epoch" bigint NOT NULL,
	"titles" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "title_index_snapshots_generation_part_pk" PRIMARY KEY("generation","part")
);
